"""Recording a fact about a person (the consumer step): stored once per event, the person
re-decided, and what changed published with ids fixed by the event that caused it."""

from __future__ import annotations

from datetime import date, timedelta

from peerlink_eligibility.domain.decision import Reason
from peerlink_shared.contracts import RelapseRecorded
from peerlink_shared.messaging.envelope import derived_event_id

from tests.fakes.eligibility import FakeEligibility, graduate_facts


async def test_a_graduate_becomes_eligible_once_their_last_fact_arrives() -> None:
    world = FakeEligibility()
    facts = graduate_facts("p-1", "harbour", today=world.clock.today())
    assert await world.record(facts[0], event_id="evt-0")
    # Not eligible yet: stored, but a first decision that is not eligible is no news.
    decision = await world.store.decision("p-1", "harbour")
    assert decision is not None and not decision.eligible
    assert world.changes() == []
    for n, fact in enumerate(facts[1:-1], start=1):
        assert await world.record(fact, event_id=f"evt-{n}")
    decision = await world.store.decision("p-1", "harbour")
    assert decision is not None and decision.reasons == (Reason.NOT_VOLUNTEERING,)

    assert await world.record(facts[-1], event_id="evt-last")

    changed = world.changes()[-1]
    assert changed.id == derived_event_id("eligibility", "evt-last", "p-1", "harbour", "True")
    assert (changed.causationid, changed.correlationid) == ("evt-last", "flow-evt-last")
    assert (changed.source, changed.subject) == ("/peerlink/eligibility", "p-1")
    assert changed.data["eligible"] is True and changed.data["reasons"] == []
    stored = await world.store.stored("p-1", "harbour")
    assert stored is not None and stored.decision.eligible and stored.revision == len(facts)


async def test_a_redelivered_fact_is_stored_once_and_publishes_nothing_new() -> None:
    world = FakeEligibility()
    for n, fact in enumerate(graduate_facts("p-1", "harbour", today=world.clock.today())):
        await world.record(fact, event_id=f"evt-{n}")
    published = list(world.outbox.added)
    facts_before = (await world.store.facts_of("p-1")).version

    assert await world.record(
        graduate_facts("p-1", "harbour", today=world.clock.today())[-1], event_id="evt-3"
    )

    assert (await world.store.facts_of("p-1")).version == facts_before == 4
    assert world.outbox.added == published


async def test_a_relapse_makes_a_supporter_not_eligible_and_says_why() -> None:
    world = FakeEligibility()
    today = world.clock.today()
    for n, fact in enumerate(graduate_facts("p-1", "harbour", today=today)):
        await world.record(fact, event_id=f"evt-{n}")
    relapse = RelapseRecorded(person_id="p-1", relapsed_on=today)

    await world.record(relapse, event_id="evt-relapse")

    assert world.changed()[-2:] == [("p-1", "harbour", True), ("p-1", "harbour", False)]
    last = world.changes()[-1]
    reasons = [Reason.RELAPSED_SINCE_SOBRIETY_DATE]
    assert last.data["reasons"] == [reason.value for reason in reasons]
    assert last.id == derived_event_id(
        "eligibility", "evt-relapse", "p-1", "harbour", "False", *reasons
    )


async def test_a_fact_about_an_erased_person_is_not_stored_or_decided() -> None:
    world = FakeEligibility()
    for n, fact in enumerate(graduate_facts("p-1", "harbour", today=world.clock.today())):
        await world.record(fact, event_id=f"evt-{n}")
    deleted = await world.cases.erasure.erase(
        "p-1", now=world.clock.now(), correlation_id="erase-1"
    )
    assert deleted == {"person_facts": 1, "decisions": 1, "review_claims": 0}
    published = len(world.outbox.added)

    late = RelapseRecorded(person_id="p-1", relapsed_on=world.clock.today())
    assert not await world.record(late, event_id="evt-late")

    assert (await world.store.facts_of("p-1")).version == 0
    assert await world.store.decisions_of("p-1") == {}
    assert len(world.outbox.added) == published


async def test_a_recorded_fact_reaches_the_facts_a_what_if_holds() -> None:
    world = FakeEligibility()
    world.preview_facts.begin_read()
    held = world.preview_facts.end_read([], as_of=world.clock.now())
    assert held.persons == []

    await world.record(graduate_facts("p-1", "harbour", today=date(2026, 3, 2))[0], event_id="e")

    now_held = world.preview_facts.at(world.clock.now() + timedelta(seconds=1))
    assert now_held is not None
    assert [facts.person_id for facts in now_held.persons] == ["p-1"]
    assert now_held.persons[0].completed_at() == frozenset({"harbour"})
