"""Changing a centre's policy: version n+1 stored and published (its event id names the job),
a stale version refused; consuming it re-decides everyone it concerns in a tracked job."""

from __future__ import annotations

from dataclasses import asdict, replace

import pytest
from peerlink_eligibility.domain.policy import Policy
from peerlink_eligibility.service_layer.announcements import Trigger
from peerlink_eligibility.service_layer.policy_changes import VersionConflict
from peerlink_shared.contracts import PolicyChanged
from peerlink_shared.messaging.envelope import derived_event_id

from tests.fakes.eligibility import FakeEligibility, graduate_facts

STRICTER = Policy(centre_id="harbour", min_sober_days=730)


async def test_a_change_stores_the_next_version_and_publishes_it_as_the_jobs_event() -> None:
    world = FakeEligibility()

    policy, job_id = await world.cases.policy_changes.change(STRICTER, expected_version=0)

    assert policy == replace(STRICTER, version=1)
    assert await world.policies.current("harbour") == policy
    assert await world.policies.history("harbour") == [policy]
    (event,) = world.outbox.on(world.topics.policy_events)
    assert (event.id, event.correlationid, event.causationid) == (job_id, job_id, None)
    assert (event.subject, event.source) == ("harbour", "/peerlink/eligibility")
    assert PolicyChanged.model_validate(event.data) == PolicyChanged(**asdict(policy))
    assert event.data["min_sober_days"] == 730


async def test_a_change_from_a_version_no_longer_current_is_refused_and_publishes_nothing() -> None:
    world = FakeEligibility()
    await world.cases.policy_changes.change(STRICTER, expected_version=None)

    with pytest.raises(VersionConflict):
        await world.cases.policy_changes.change(STRICTER, expected_version=0)

    assert (await world.policies.current("harbour")).version == 1
    assert len(world.outbox.on(world.topics.policy_events)) == 1


async def test_a_version_stored_but_never_made_current_is_rolled_forward() -> None:
    world = FakeEligibility()
    # A change that crashed after storing version 1, before making it current.
    await world.policies.add_version(replace(STRICTER, version=1), at=world.clock.now())

    with pytest.raises(VersionConflict):
        await world.cases.policy_changes.change(STRICTER, expected_version=0)

    assert (await world.policies.current("harbour")).version == 1
    assert world.outbox.on(world.topics.policy_events) == []


async def test_consuming_a_change_re_decides_its_people_in_a_tracked_job() -> None:
    world = FakeEligibility()
    today = world.clock.today()
    for person, sober in (("p-long", 800), ("p-short", 500)):
        for n, fact in enumerate(graduate_facts(person, "harbour", today=today, sober_days=sober)):
            await world.record(fact, event_id=f"{person}-{n}")
    before = len(world.changes())

    await world.cases.policy_changes.reevaluate(
        replace(STRICTER, version=1), trigger=Trigger("job-1", "flow-job")
    )

    (lost,) = world.changes()[before:]
    assert (lost.subject, lost.data["eligible"], lost.data["reasons"]) == (
        "p-short",
        False,
        ["sober_too_short"],
    )
    assert lost.id == derived_event_id(
        "eligibility", "job-1", "p-short", "harbour", "False", "sober_too_short"
    )
    assert (lost.causationid, lost.correlationid) == ("job-1", "flow-job")
    job = await world.jobs.get("job-1")
    assert job is not None
    assert (job.kind, job.centre_id, job.state, job.done, job.changed) == (
        "policy_reevaluation",
        "harbour",
        "done",
        2,
        1,
    )
    kept = await world.store.decision("p-long", "harbour")
    # Unchanged, so left alone (only a changed decision or review day is written).
    assert kept is not None and kept.eligible


async def test_a_change_superseded_by_a_newer_version_starts_no_job() -> None:
    world = FakeEligibility()
    await world.policies.make_current(replace(STRICTER, version=2))

    await world.cases.policy_changes.reevaluate(
        replace(STRICTER, version=1), trigger=Trigger("job-old", "flow-old")
    )

    assert await world.jobs.get("job-old") is None
    assert (await world.policies.current("harbour")).version == 2
