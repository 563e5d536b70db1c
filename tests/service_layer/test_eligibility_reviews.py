"""The clock as an input: a decision whose review day has come is re-decided with no event,
once per claim window, under ids fixed by the person and the review day."""

from __future__ import annotations

from datetime import timedelta

from peerlink_shared.messaging.envelope import derived_event_id

from tests.fakes.eligibility import FakeEligibility, graduate_facts


async def sober_short_of_a_year(world: FakeEligibility, *, days_short: int) -> None:
    facts = graduate_facts("p-1", "harbour", today=world.clock.today(), sober_days=365 - days_short)
    for n, fact in enumerate(facts):
        await world.record(fact, event_id=f"evt-{n}")


async def test_a_decision_is_re_decided_on_its_review_day_and_only_once() -> None:
    world = FakeEligibility()
    await sober_short_of_a_year(world, days_short=5)
    waiting = await world.store.decision("p-1", "harbour")
    assert waiting is not None and not waiting.eligible
    review_on = world.clock.today() + timedelta(days=5)
    assert waiting.eligible_from == waiting.review_on == review_on
    assert await world.cases.reviews.review_due() == 0  # not yet
    before = len(world.changes())

    world.clock.advance(timedelta(days=5))
    assert await world.cases.reviews.review_due() == 1
    assert await world.cases.reviews.review_due() == 0  # claimed in this window

    (changed,) = world.changes()[before:]
    cause = derived_event_id("review", "p-1", str(review_on))
    assert changed.id == derived_event_id("eligibility", cause, "p-1", "harbour", "True")
    assert (changed.causationid, changed.correlationid) == (cause, cause)
    decided = await world.store.decision("p-1", "harbour")
    assert decided is not None and decided.eligible


async def test_the_recent_pass_looks_back_a_week_and_the_full_pass_finds_the_rest() -> None:
    world = FakeEligibility()
    await sober_short_of_a_year(world, days_short=5)
    before = len(world.changes())
    world.clock.advance(timedelta(days=5 + 10))  # an outage: the day passed ten days ago

    assert await world.cases.reviews.review_due(all_days=False) == 0
    assert await world.cases.reviews.review_due(all_days=True) == 1
    assert world.changed()[before:] == [("p-1", "harbour", True)]
