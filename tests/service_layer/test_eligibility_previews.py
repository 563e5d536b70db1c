"""A policy what-if: the proposal against the facts as stored, writing nothing; refused
before reading anyone when the policy changed since the caller read it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from peerlink_eligibility.domain.policy import Policy
from peerlink_eligibility.service_layer.policy_changes import VersionConflict

from tests.fakes.eligibility import FakeEligibility, graduate_facts

STRICTER = Policy(centre_id="harbour", min_sober_days=730)


async def two_graduates(world: FakeEligibility) -> None:
    today = world.clock.today()
    for person, sober in (("p-long", 800), ("p-short", 500)):
        for n, fact in enumerate(graduate_facts(person, "harbour", today=today, sober_days=sober)):
            await world.record(fact, event_id=f"{person}-{n}")


@pytest.mark.parametrize("max_age", [timedelta(0), timedelta(seconds=30)], ids=["read", "held"])
async def test_a_preview_names_who_would_lose_and_writes_nothing(max_age: timedelta) -> None:
    world = FakeEligibility(preview_max_age=max_age)
    await two_graduates(world)
    published, decisions = list(world.outbox.added), dict(world.store.decisions)

    found = await world.cases.previews.preview(STRICTER, expected_version=0)

    assert (found.eligible_now, found.eligible_after) == (2, 1)
    assert (found.losing, found.gaining) == (["p-short"], [])
    assert found.proposed == replace(STRICTER, version=1)
    assert world.outbox.added == published and world.store.decisions == decisions
    assert await world.policies.history("harbour") == []


async def test_a_preview_of_a_version_no_longer_current_is_refused() -> None:
    world = FakeEligibility()
    await world.policies.make_current(replace(STRICTER, version=3))

    with pytest.raises(VersionConflict):
        await world.cases.previews.preview(STRICTER, expected_version=2)


async def test_an_erased_person_leaves_the_held_facts_at_once() -> None:
    world = FakeEligibility()
    await two_graduates(world)
    await world.cases.previews.preview(STRICTER, expected_version=None)  # holds the facts

    await world.cases.erasure.erase("p-short", now=world.clock.now(), correlation_id="e-1")

    found = await world.cases.previews.preview(STRICTER, expected_version=None)
    assert (found.eligible_now, found.losing) == (1, [])
    assert await world.store.decisions_of("p-short") == {}
    await world.cases.previews.stop()
