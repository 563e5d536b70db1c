"""Notifications' event handlers over in-memory fakes: who is told what, which deliveries are
opened, what is published under which ids and causes, and that nothing happens twice."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from peerlink_notifications.domain.contacts import Contact, QuietHours
from peerlink_notifications.service_layer.handlers import delivery_id
from peerlink_shared.contracts import (
    CentreRegistered,
    MessageRecorded,
    Payload,
    SessionCancelled,
    SessionFilled,
    SessionUnfilled,
    SupporterAssigned,
    SupporterUnassigned,
)
from peerlink_shared.envelope import Envelope, derived_event_id

from tests.fakes.notifications import TOPIC, FakeNotifications, scheduling_event

NOW = datetime(2031, 5, 1, 9, 0, tzinfo=UTC)
STARTS = datetime(2031, 5, 6, 16, 0, tzinfo=UTC)  # 18:00 in Madrid
CENTRE = "harbour"
SUPPORTER = "p-ana"


def event(payload: Payload, *, subject: str = "s-1") -> Envelope:
    return scheduling_event(payload, at=NOW, subject=subject)


def assigned(supporter: str = SUPPORTER) -> SupporterAssigned:
    return SupporterAssigned(
        session_id="s-1",
        centre_id=CENTRE,
        supporter_id=supporter,
        slot=0,
        starts_at=STARTS,
        duration_minutes=60,
        assigned_on=date(2031, 5, 1),
    )


async def registered(world: FakeNotifications) -> None:
    centre = CentreRegistered(
        centre_id=CENTRE, display_name="Harbour House", region="south", timezone="Europe/Madrid"
    )
    await world.handlers.on_centre_registered(event(centre, subject=CENTRE), centre)


async def test_a_booked_supporter_is_told_in_app_and_on_each_consented_channel() -> None:
    world = FakeNotifications.at(NOW)
    await registered(world)
    world.contacts.contacts[("person", SUPPORTER)] = Contact(
        email="ana@example.org", sms="+35386000001", consent=frozenset({"email"})
    )
    cause = event(assigned())
    await world.handlers.on_supporter_assigned(cause, assigned())

    message_id = derived_event_id("message", cause.id, SUPPORTER, "in_app")
    (logged,) = await world.records.messages_for(SUPPORTER)
    assert logged.message_id == message_id
    assert (
        logged.text
        == "You're booked for a session at Harbour House on Tuesday 06 May 2031 at 18:00."
    )
    assert (logged.centre_id, logged.cause_event_id, logged.status) == (
        CENTRE,
        cause.id,
        "recorded",
    )
    # The in-app delivery is sent at once; e-mail waits for the loop; no consent, no SMS.
    opened = {
        d.channel: d for d in await world.deliveries.for_recipient("person", SUPPORTER, since=NOW)
    }
    assert sorted(opened) == ["email", "in_app"]
    assert opened["in_app"].delivery_id == message_id
    assert opened["in_app"].status == "sent"
    assert opened["email"].delivery_id == derived_event_id("message", cause.id, SUPPORTER, "email")
    assert (opened["email"].status, opened["email"].next_attempt_at) == ("pending", NOW)
    assert list(world.deliveries.pending) == [opened["email"].delivery_id]
    assert world.wake.times == 1

    assert [topic for topic, _ in world.outbox.added] == [TOPIC]
    (published,) = world.published()
    assert published.id == message_id
    assert published.type == MessageRecorded.event_type()
    assert published.source == "/peerlink/notifications"
    assert published.subject == SUPPORTER
    assert (published.correlationid, published.causationid) == (cause.correlationid, cause.id)
    assert MessageRecorded.model_validate(published.data) == MessageRecorded(
        message_id=message_id, recipient_id=SUPPORTER, channel="in_app", cause_event_id=cause.id
    )


async def test_an_event_handled_again_records_and_publishes_nothing_new() -> None:
    world = FakeNotifications.at(NOW)
    world.contacts.contacts[("person", SUPPORTER)] = Contact(
        email="ana@example.org", consent=frozenset({"email"})
    )
    cause = event(assigned())
    await world.handlers.on_supporter_assigned(cause, assigned())
    before = dict(world.deliveries.stored)
    world.clock.advance(timedelta(minutes=5))
    await world.handlers.on_supporter_assigned(cause, assigned())

    assert len(await world.records.messages_for(SUPPORTER)) == 1
    assert world.deliveries.stored == before
    assert len(world.published()) == 1
    assert world.published()[0].id == delivery_id(cause.id, SUPPORTER, "in_app")


async def test_an_erased_supporter_is_told_nothing() -> None:
    world = FakeNotifications.at(NOW)
    world.erased.erased.add(SUPPORTER)
    world.contacts.contacts[("person", SUPPORTER)] = Contact(
        email="ana@example.org", consent=frozenset({"email"})
    )
    await world.handlers.on_supporter_assigned(event(assigned()), assigned())
    assert world.records.messages == {}
    assert world.deliveries.stored == {}
    assert world.outbox.added == []
    assert world.wake.times == 0


async def test_quiet_hours_defer_external_deliveries_but_not_the_in_app_message() -> None:
    world = FakeNotifications.at(datetime(2031, 5, 1, 23, 30, tzinfo=UTC))  # 00:30 in Dublin
    quiet = QuietHours(time(22, 0), time(7, 0), "Europe/Dublin")
    world.contacts.contacts[("person", SUPPORTER)] = Contact(
        sms="+35386000001", consent=frozenset({"sms"}), quiet_hours=quiet
    )
    await world.handlers.on_supporter_assigned(event(assigned()), assigned())
    found = await world.deliveries.for_recipient("person", SUPPORTER, since=NOW)
    (sms,) = [d for d in found if d.channel == "sms"]
    assert sms.status == "deferred"
    assert sms.next_attempt_at == datetime(2031, 5, 2, 6, 0, tzinfo=UTC)  # 07:00 Dublin
    assert [d.status for d in found if d.channel == "in_app"] == ["sent"]


async def test_a_spanish_reader_reads_spanish_and_an_unknown_centre_is_named_by_its_id() -> None:
    world = FakeNotifications.at(NOW)
    world.contacts.contacts[("person", SUPPORTER)] = Contact(locale="es-MX")
    released = SupporterUnassigned(
        session_id="s-1", centre_id="north", supporter_id=SUPPORTER, slot=0, starts_at=STARTS
    )
    await world.handlers.on_supporter_unassigned(event(released), released)
    (logged,) = await world.records.messages_for(SUPPORTER)
    assert logged.text == (
        "Tu sesión en north el martes 6 de mayo de 2031 a las 16:00 se ha asignado a otra "
        "persona. No necesitas asistir."
    )


async def test_a_cancelled_session_tells_each_of_its_supporters() -> None:
    world = FakeNotifications.at(NOW)
    cancelled = SessionCancelled(
        session_id="s-1", centre_id=CENTRE, starts_at=STARTS, supporter_ids=("p-a", "p-b")
    )
    cause = event(cancelled)
    await world.handlers.on_session_cancelled(cause, cancelled)
    assert {m.recipient_id for m in world.records.messages.values()} == {"p-a", "p-b"}
    assert [e.id for e in world.published()] == [
        delivery_id(cause.id, "p-a", "in_app"),
        delivery_id(cause.id, "p-b", "in_app"),
    ]


def unfilled() -> SessionUnfilled:
    return SessionUnfilled(
        session_id="s-1",
        centre_id=CENTRE,
        starts_at=STARTS,
        open_slots=2,
        reason="no_free_supporters",
    )


def filled(*supporters: str) -> SessionFilled:
    return SessionFilled(
        session_id="s-1", centre_id=CENTRE, starts_at=STARTS, supporter_ids=supporters
    )


async def test_an_unfilled_session_tells_the_centre_and_is_remembered() -> None:
    world = FakeNotifications.at(NOW)
    await registered(world)
    world.contacts.contacts[("centre", CENTRE)] = Contact(
        email="desk@harbour.example", consent=frozenset({"email"})
    )
    cause = event(unfilled())
    await world.handlers.on_session_unfilled(cause, unfilled())
    (logged,) = await world.records.messages_at(CENTRE, since=NOW)
    assert logged.recipient_id == CENTRE
    assert logged.text.startswith("The session at Harbour House")
    assert logged.text.endswith(
        "still needs 2 supporters: every supporter who can serve is booked, away or at "
        "their weekly limit."
    )
    assert [
        d.channel for d in await world.deliveries.for_recipient("centre", CENTRE, since=NOW)
    ] == [
        "in_app",
        "email",
    ]
    assert world.records.staffing == {"s-1": "unfilled"}


async def test_a_session_filled_at_once_needs_no_message() -> None:
    world = FakeNotifications.at(NOW)
    await world.handlers.on_session_filled(event(filled("p-b", "p-a")), filled("p-b", "p-a"))
    assert world.records.messages == {}
    assert world.outbox.added == []
    assert world.records.staffing == {"s-1": "filled:p-a,p-b"}


async def test_the_centre_hears_when_a_short_session_is_staffed_and_when_one_is_replaced() -> None:
    world = FakeNotifications.at(NOW)
    await registered(world)
    await world.handlers.on_session_unfilled(event(unfilled()), unfilled())
    await world.handlers.on_session_filled(event(filled("p-a", "p-b")), filled("p-a", "p-b"))
    # The same staffing again (a redelivered or repeated event): nothing more to say.
    await world.handlers.on_session_filled(event(filled("p-b", "p-a")), filled("p-b", "p-a"))
    await world.handlers.on_session_filled(event(filled("p-a", "p-c")), filled("p-a", "p-c"))

    texts = [m.text for m in await world.records.messages_for(CENTRE)]
    assert len(texts) == 3
    assert texts[1].endswith("is now fully staffed.")
    assert texts[2].endswith("has a new supporter and is fully staffed.")
    assert world.records.staffing == {"s-1": "filled:p-a,p-c"}
    assert len(world.published()) == 3
