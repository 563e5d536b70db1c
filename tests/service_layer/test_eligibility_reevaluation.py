"""Re-deciding a person when a write of theirs loses to another decider: decide again from
what is stored now, with events of a new round, and correct what was announced."""

from __future__ import annotations

from dataclasses import replace

import pytest
from peerlink_eligibility.domain.decision import Reason
from peerlink_eligibility.service_layer.announcements import Trigger
from peerlink_eligibility.service_layer.reevaluation import MAX_ROUNDS, DecisionContention
from peerlink_shared.messaging.envelope import derived_event_id

from tests.fakes.eligibility import FakeEligibility, graduate_facts


async def eligible_graduate(world: FakeEligibility) -> None:
    for n, fact in enumerate(graduate_facts("p-1", "harbour", today=world.clock.today())):
        await world.record(fact, event_id=f"evt-{n}")


async def test_a_lost_write_decides_again_with_ids_of_the_next_round() -> None:
    world = FakeEligibility()
    await eligible_graduate(world)
    stored = await world.store.stored("p-1", "harbour")
    assert stored is not None and stored.decision.eligible
    # Another decider (a bulk job with an older policy) wrote "not eligible" meanwhile.
    other = replace(stored.decision, eligible=False, reasons=(Reason.SOBER_TOO_SHORT,))
    interleaved: list[int] = []

    def write_first() -> None:
        if not interleaved:
            interleaved.append(1)
            world.store.overwrite(other)

    world.store.before_save = write_first
    before = len(world.changes())

    await world.cases.reevaluator.person("p-1", trigger=Trigger("evt-review", "flow-r"))

    # Round 0 saw "eligible" stored: no news, but its write lost; round 1 read the other
    # decider's "not eligible" and announced "eligible" again, under a round-1 id.
    (corrected,) = world.changes()[before:]
    assert corrected.id == derived_event_id(
        "eligibility", "evt-review", "round-1", "p-1", "harbour", "True"
    )
    final = await world.store.decision("p-1", "harbour")
    assert final is not None and final.eligible


async def test_a_person_whose_decisions_keep_changing_is_left_to_the_callers_retry() -> None:
    world = FakeEligibility()
    await eligible_graduate(world)

    def always_first() -> None:
        stored = world.store.decisions[("p-1", "harbour")]
        world.store.overwrite(stored.decision)

    world.store.before_save = always_first
    saves = world.store.saves

    with pytest.raises(DecisionContention):
        await world.cases.reevaluator.person("p-1", trigger=Trigger("evt-x", "flow-x"))
    assert world.store.saves - saves == MAX_ROUNDS
