"""Each service's erasure against the real database: everything it held about the person
is gone but a tombstone id, another person is untouched, the confirmation is recorded once
with the first run's counts, and what is still on its way about them stores nothing.

The handlers are called directly (no Kafka); what they would publish is read from the
outbox, in the order the relay would publish it.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from peerlink_eligibility.adapters.policies import PolicyRepository
from peerlink_eligibility.adapters.repository import EligibilityRepository
from peerlink_eligibility.service_layer.announcements import Announcements, Trigger
from peerlink_eligibility.service_layer.fact_recording import FactRecording
from peerlink_eligibility.service_layer.fact_types import record_of
from peerlink_eligibility.service_layer.reevaluation import Reevaluator
from peerlink_notifications.adapters.contacts import ContactStore
from peerlink_notifications.adapters.deliveries import DeliveryStore
from peerlink_notifications.adapters.repository import NotificationsRepository
from peerlink_notifications.bootstrap import notification_events_publisher
from peerlink_notifications.domain.contacts import Contact
from peerlink_notifications.service_layer.erasure import NotificationsErasure
from peerlink_notifications.service_layer.handlers import NotificationsHandlers
from peerlink_scheduling.adapters.sessions import SessionRepository
from peerlink_scheduling.adapters.supporters import SupporterRepository
from peerlink_scheduling.bootstrap import session_events, use_cases
from peerlink_scheduling.domain.availability import Availability
from peerlink_scheduling.domain.matching import SessionRequest
from peerlink_scheduling.domain.stays import Admitted
from peerlink_scheduling.entrypoints.consumers import unless_erased
from peerlink_shared.clock import Clock
from peerlink_shared.contracts import (
    AdmissionRecorded,
    CentreRegistered,
    CravingCheckInRecorded,
    EligibilityChanged,
    PersonRegistered,
    ProgrammeEnded,
    SobrietyMilestoneRecorded,
    SupporterAssigned,
    VolunteeringChanged,
)
from peerlink_shared.contracts.base import Payload
from peerlink_shared.contracts.erasure import ErasingService, PersonErasureRequested
from peerlink_shared.lifecycle.erasure import EraseOwnStores, Erasure, ErasureLedger
from peerlink_shared.messaging.envelope import Envelope
from peerlink_shared.messaging.outbox import Outbox
from peerlink_shared.messaging.publishing import Cause, Publisher, source_of
from peerlink_shared.messaging.topics import Topics
from peerlink_shared.storage.mongo import Database

from tests.erasure_traces import leftovers, traces
from tests.fakes.clock import MovableClock
from tests.integration.helpers import envelope_for, person_keys, scratch_database
from tests.servers import Servers

CENTRE = "harbour"
TOPICS = Topics(prefix="stores-")


@pytest.fixture
async def db(servers: Servers, run_id: str) -> AsyncIterator[Database]:
    async with scratch_database(servers, f"{run_id}_erasure_{secrets.token_hex(3)}") as db:
        yield db


def person() -> str:
    return f"p-{secrets.token_hex(8)}"


def erasure_of(person_id: str) -> tuple[Envelope, PersonErasureRequested]:
    request = PersonErasureRequested(
        person_id=person_id,
        request_id=f"er-{secrets.token_hex(6)}",
        requested_by_role="ops",
        requested_by_centre="*",
        requested_by_subject="ops-1",
        reason="DPO-311: Art. 17 request",
        requested_at=datetime.now(UTC),
    )
    return envelope_for(request, subject=person_id), request


def late_fact(person_id: str) -> VolunteeringChanged:
    return VolunteeringChanged(
        person_id=person_id, volunteering=True, changed_on=datetime.now(UTC).date()
    )


async def parked_entry_about(db: Database, person_id: str) -> None:
    """An event that could never be published, naming the person, set aside whole."""
    event = envelope_for(late_fact(person_id), subject=person_id)
    await db["outbox_parked"].insert_one(
        {"_id": event.id, "topic": "x", "body": event.model_dump_json(), "reason": "Too large"}
    )


def erasure(service: ErasingService, db: Database, erase: EraseOwnStores, clock: Clock) -> Erasure:
    return Erasure(
        service=service,
        db=db,
        erase_own_stores=erase,
        outbox=Outbox(db, clock=clock),
        topics=TOPICS,
        clock=clock,
    )


async def published(db: Database, event_type: str) -> list[dict[str, Any]]:
    entries = await db["outbox"].find({}).sort("seq", 1).to_list()
    events = [json.loads(entry["body"]) for entry in entries]
    return [event["data"] for event in events if event["type"] == event_type]


async def confirmed_twice(
    forget: Erasure, db: Database, person_id: str, service: str
) -> dict[str, int]:
    """Runs the erasure, then again (a redelivery): one confirmation, the first counts."""
    envelope, request = erasure_of(person_id)
    await forget.on_erasure_requested(envelope, request)
    await forget.on_erasure_requested(envelope, request)
    (confirmation,) = await published(db, "peerlink.person.erased.v1")
    assert confirmation["service"] == service
    assert confirmation["request_id"] == request.request_id
    assert await forget.ledger.is_erased(person_id)
    deleted: dict[str, int] = confirmation["deleted"]
    return deleted


async def record_fact(recording: FactRecording, payload: Payload, person_id: str) -> None:
    """As eligibility's consumer does with an event about the person."""
    envelope = envelope_for(payload, subject=person_id)
    await recording.record(record_of(payload), trigger=Trigger.of(envelope))


async def graduate(recording: FactRecording, person_id: str, today: date) -> None:
    facts = (
        PersonRegistered(person_id=person_id, centre_id=CENTRE, registered_on=today),
        AdmissionRecorded(
            person_id=person_id, centre_id=CENTRE, admitted_on=today - timedelta(days=730)
        ),
        ProgrammeEnded(
            person_id=person_id,
            centre_id=CENTRE,
            ended_on=today - timedelta(days=640),
            outcome="completed",
        ),
        VolunteeringChanged(person_id=person_id, volunteering=True, changed_on=today),
        CravingCheckInRecorded(person_id=person_id, level=2, checked_on=today),
        SobrietyMilestoneRecorded(
            person_id=person_id,
            sober_since=today - timedelta(days=400),
            days=400,
            recorded_on=today,
        ),
    )
    for fact in facts:
        await record_fact(recording, fact, person_id)


async def test_eligibility_forgets_facts_decisions_and_claims(db: Database) -> None:
    clock = MovableClock()
    repository, policies = EligibilityRepository(db), PolicyRepository(db)
    await repository.ensure_indexes()
    changes = Publisher(
        sink=Outbox(db, clock=clock),
        source=source_of("eligibility"),
        topic=TOPICS.eligibility_changes,
        clock=clock,
    )
    announcements = Announcements(publisher=changes, clock=clock)
    recording = FactRecording(
        repository=repository,
        reevaluator=Reevaluator(
            repository=repository, policies=policies, announcements=announcements, clock=clock
        ),
    )
    gone, kept = person(), person()
    for person_id in (gone, kept):
        await graduate(recording, person_id, clock.today())
        await repository.claim_review(f"{person_id}:{CENTRE}:2026-01-01:0", at=clock.now())
    assert (await repository.decision(gone, CENTRE)) is not None
    await parked_entry_about(db, gone)
    await db["outbox"].delete_many({})  # published meanwhile

    deleted = await confirmed_twice(
        erasure("eligibility", db, repository.erase_person, clock), db, gone, "eligibility"
    )
    assert deleted == {"person_facts": 1, "decisions": 1, "review_claims": 1, "outbox_parked": 1}
    assert leftovers(await traces(db, [gone]), person_id=gone) == {}
    kept_decision = await repository.decision(kept, CENTRE)
    assert kept_decision is not None and kept_decision.eligible
    assert len((await repository.facts_of(kept)).facts.completions) == 1

    # A fact still on its way arrives after the erasure: nothing is stored or decided.
    late = late_fact(gone)
    await record_fact(recording, late, gone)
    assert leftovers(await traces(db, [gone]), person_id=gone) == {}
    assert await repository.decision(gone, CENTRE) is None


async def test_scheduling_releases_future_sessions_restaffs_them_and_forgets_the_rest(
    db: Database,
) -> None:
    clock = MovableClock()
    sessions, repository = SessionRepository(db), SupporterRepository(db)
    await sessions.ensure_indexes()
    await repository.ensure_indexes()
    outbox = Outbox(db, clock=clock)
    cases = use_cases(
        sessions=sessions,
        supporters=repository,
        events=session_events(outbox=outbox, topics=TOPICS, clock=clock),
        clock=clock,
    )
    gone, other = person(), person()
    await repository.save_centre(
        CentreRegistered(
            centre_id=CENTRE, display_name="Harbour House", region="north", timezone="UTC"
        )
    )
    await repository.set_eligible(
        person_id=gone, centre_id=CENTRE, eligible=True, eligible_from=None
    )
    tomorrow = datetime.combine(clock.today() + timedelta(days=1), time(10), tzinfo=UTC)
    past, future = (
        SessionRequest(f"s-{secrets.token_hex(4)}", CENTRE, when, timedelta(hours=1), 1)
        for when in (tomorrow, tomorrow + timedelta(days=3))
    )
    for session in (past, future):
        await cases.requests.request(session, cause=Cause("c-1"))
        assert [a.supporter_id for a in await sessions.assignments_of(session.session_id)] == [gone]
    # Someone else may serve too, from now on; the person's own records.
    await repository.set_eligible(
        person_id=other, centre_id=CENTRE, eligible=True, eligible_from=None
    )
    await repository.set_availability(gone, Availability(timezone="UTC"))
    await repository.record_admission(gone, Admitted(CENTRE, clock.today() - timedelta(days=700)))
    await repository.set_exclusions(CENTRE, "p-resident", [gone, other])
    await repository.set_exclusions(CENTRE, gone, [other])
    meeting = SessionRequest(
        f"m-{secrets.token_hex(4)}",
        CENTRE,
        tomorrow + timedelta(days=4),
        timedelta(hours=1),
        1,
        resident_id=gone,
        window_ends_at=tomorrow + timedelta(days=4, hours=6),
    )
    await sessions.add_session(meeting, at=clock.now())
    await parked_entry_about(db, gone)
    clock.advance(timedelta(days=2))  # the first session is past now
    await db["outbox"].delete_many({})  # published meanwhile

    deleted = await confirmed_twice(
        erasure("scheduling", db, cases.forgetting.erase_person, clock), db, gone, "scheduling"
    )

    # The future session is staffed again, by the normal path, with someone else.
    assert [a.supporter_id for a in await sessions.assignments_of(future.session_id)] == [other]
    (released,) = await published(db, "peerlink.session.supporter-unassigned.v1")
    assert (released["session_id"], released["supporter_id"]) == (future.session_id, gone)
    (assigned,) = await published(db, "peerlink.session.supporter-assigned.v1")
    assert (assigned["session_id"], assigned["supporter_id"]) == (future.session_id, other)
    (cancelled,) = await published(db, "peerlink.session.cancelled.v1")
    assert cancelled["session_id"] == meeting.session_id
    assert deleted["assignments"] == 1  # the past one; the future one was released
    assert deleted["meetings_cancelled"] == 1
    assert (deleted["eligible"], deleted["availability"], deleted["histories"]) == (1, 1, 1)

    # Nothing names them, past bookings and the past meeting's resident included (events
    # waiting in the outbox carry ids only, and are published within seconds).
    found = await traces(db, [gone])
    found.pop("outbox", None)
    assert leftovers(found, person_id=gone) == {}
    assert await repository.exclusions(CENTRE, "p-resident") == frozenset({other})

    # An eligibility change still on its way would make them choosable again: dropped.
    change = EligibilityChanged(
        person_id=gone,
        centre_id=CENTRE,
        eligible=True,
        reasons=(),
        eligible_from=None,
        decided_on=clock.today(),
    )
    guarded = unless_erased(ErasureLedger(db), cases.eligibility.on_eligibility_changed)
    await guarded(envelope_for(change, subject=gone), change)
    assert await repository.eligibility_at(CENTRE) == {other: date.min}


async def test_notifications_forgets_contact_messages_and_deliveries(db: Database) -> None:
    clock = MovableClock()
    repository, contacts, deliveries = (
        NotificationsRepository(db),
        ContactStore(db, keys=person_keys(db.client)),
        DeliveryStore(db),
    )
    await repository.ensure_indexes()
    await deliveries.ensure_indexes()
    forget = erasure(
        "notifications",
        db,
        NotificationsErasure(
            repository=repository, contacts=contacts, deliveries=deliveries
        ).erase_person,
        clock,
    )
    handlers = NotificationsHandlers(
        repository=repository,
        contacts=contacts,
        deliveries=deliveries,
        notification_events=notification_events_publisher(
            sink=Outbox(db, clock=clock), topics=TOPICS, clock=clock
        ),
        clock=clock,
        wake=asyncio.Event(),
        erasures=forget.ledger,
    )
    gone, other = person(), person()
    address = f"canary-{secrets.token_hex(4)}@example.org"
    await contacts.replace("person", gone, Contact(email=address, consent=frozenset({"email"})))
    await contacts.replace(
        "person", other, Contact(email="other@example.org", consent=frozenset({"email"}))
    )
    starts = datetime.now(UTC) + timedelta(days=3)
    session = f"s-{secrets.token_hex(4)}"
    for slot, supporter in enumerate((gone, other)):
        assigned = SupporterAssigned(
            session_id=session,
            centre_id=CENTRE,
            supporter_id=supporter,
            slot=slot,
            starts_at=starts,
            duration_minutes=60,
            assigned_on=clock.today(),
        )
        await handlers.on_supporter_assigned(envelope_for(assigned, subject=session), assigned)
    await repository.see_staffing(session, "filled:" + ",".join(sorted((gone, other))))
    since = clock.now() - timedelta(days=1)
    theirs = await deliveries.for_recipient("person", gone, since=since)
    (delivery,) = [d for d in theirs if d.channel == "email"]
    assert await deliveries.claim(delivery.delivery_id, 1, by="replica-1", now=clock.now())
    await parked_entry_about(db, gone)
    await db["outbox"].delete_many({})  # published meanwhile

    deleted = await confirmed_twice(forget, db, gone, "notifications")
    assert deleted == {
        "contacts": 1,
        "deliveries": len(theirs),  # in the app, and by email
        "delivery_pending": 1,
        "delivery_claims": 1,
        "messages": 1,
        "staffing_states": 1,
        "outbox_parked": 1,
    }
    assert leftovers(await traces(db, [gone, address]), person_id=gone) == {}
    assert len(await repository.messages_for(other)) == 1
    assert await contacts.find("person", other) is not None
    # The centre is told when the session is staffed again: the state no longer names them.
    assert await repository.staffing_seen(session) != "filled:" + ",".join(sorted((gone, other)))

    # A session event still on its way tells them nothing.
    again = SupporterAssigned(
        session_id=f"s-{secrets.token_hex(4)}",
        centre_id=CENTRE,
        supporter_id=gone,
        slot=0,
        starts_at=starts,
        duration_minutes=60,
        assigned_on=clock.today(),
    )
    await handlers.on_supporter_assigned(envelope_for(again, subject=again.session_id), again)
    assert await repository.messages_for(gone) == []
    assert leftovers(await traces(db, [gone, address]), person_id=gone) == {}
