"""The delivery sender over in-memory fakes: one claimed attempt at a time, retries on the
policy's schedule, quiet hours, consent checked at send time, and each final outcome
published once under the delivery's own id."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from peerlink_notifications.domain.contacts import Contact, QuietHours
from peerlink_notifications.domain.delivery import Failure, Sent
from peerlink_shared.contracts import (
    MessageDelivered,
    MessageDeliveryFailed,
    MessageRecorded,
    SupporterAssigned,
)
from peerlink_shared.envelope import Envelope, derived_event_id

from tests.fakes.notifications import FakeNotifications, ScriptedTransport, scheduling_event

NOW = datetime(2031, 5, 1, 9, 0, tzinfo=UTC)
SUPPORTER = "p-ana"
ADDRESS = "ana@example.org"


async def told(world: FakeNotifications, contact: Contact) -> tuple[Envelope, str]:
    """The supporter told of a booking; returns the cause and the e-mail delivery's id."""
    world.contacts.contacts[("person", SUPPORTER)] = contact
    payload = SupporterAssigned(
        session_id="s-1",
        centre_id="harbour",
        supporter_id=SUPPORTER,
        slot=0,
        starts_at=datetime(2031, 5, 6, 16, 0, tzinfo=UTC),
        duration_minutes=60,
        assigned_on=date(2031, 5, 1),
    )
    cause = scheduling_event(payload, at=NOW)
    await world.handlers.on_supporter_assigned(cause, payload)
    return cause, derived_event_id("message", cause.id, SUPPORTER, "email")


def by_email() -> Contact:
    return Contact(email=ADDRESS, consent=frozenset({"email"}))


def outcomes(world: FakeNotifications) -> list[Envelope]:
    return [e for e in world.published() if e.type != MessageRecorded.event_type()]


async def test_a_delivery_sent_at_the_first_attempt_is_published_as_delivered() -> None:
    world = FakeNotifications.at(NOW)
    cause, email = await told(world, by_email())
    mail = ScriptedTransport(Sent())
    assert await world.sender({"email": mail}).send_due() == 1

    ((delivery, destination),) = mail.sent
    assert (delivery.delivery_id, destination.address) == (email, ADDRESS)
    assert delivery.text.startswith("You're booked for a session")
    progress = world.deliveries.progress(email)
    assert (progress.status, progress.attempts, progress.sent_at) == ("sent", 1, NOW)
    assert world.deliveries.pending == {}
    assert world.deliveries.claims == {f"{email}#1": ("replica-1", NOW)}

    (published,) = outcomes(world)
    message_id = derived_event_id("message", cause.id, SUPPORTER, "in_app")
    assert published.id == derived_event_id("delivery", email, "delivered")
    assert published.source == "/peerlink/notifications"
    assert published.subject == SUPPORTER
    assert (published.correlationid, published.causationid) == (cause.correlationid, message_id)
    assert MessageDelivered.model_validate(published.data) == MessageDelivered(
        message_id=message_id,
        delivery_id=email,
        recipient_id=SUPPORTER,
        channel="email",
        attempts=1,
    )
    assert ADDRESS not in published.model_dump_json()
    # Nothing is due any more: another round sends nothing.
    assert await world.sender({"email": mail}).send_due() == 0
    assert len(mail.sent) == 1


async def test_a_transient_failure_is_retried_on_the_policys_schedule() -> None:
    world = FakeNotifications.at(NOW)
    _, email = await told(world, by_email())
    mail = ScriptedTransport(Failure("smtp_451", permanent=False), Sent())
    sender = world.sender({"email": mail})
    assert await sender.send_due() == 1
    waiting = world.deliveries.progress(email)
    assert (waiting.status, waiting.attempts, waiting.last_error) == ("pending", 1, "smtp_451")
    assert waiting.next_attempt_at == NOW + timedelta(seconds=30)
    assert outcomes(world) == []

    world.clock.advance(timedelta(seconds=29))
    assert await sender.send_due() == 0
    world.clock.advance(timedelta(seconds=1))
    assert await sender.send_due() == 1
    done = world.deliveries.progress(email)
    assert (done.status, done.attempts, done.last_error) == ("sent", 2, "smtp_451")
    assert [e.type for e in outcomes(world)] == [MessageDelivered.event_type()]


async def test_a_permanent_failure_gives_up_and_is_published_with_its_reason() -> None:
    world = FakeNotifications.at(NOW)
    _, email = await told(world, by_email())
    await world.sender({"email": ScriptedTransport(Failure("smtp_550", permanent=True))}).send_due()
    failed = world.deliveries.progress(email)
    assert (failed.status, failed.reason, failed.last_error) == ("failed", "smtp_550", "smtp_550")
    (published,) = outcomes(world)
    assert published.id == derived_event_id("delivery", email, "failed")
    data = MessageDeliveryFailed.model_validate(published.data)
    assert (data.reason, data.last_error, data.attempts) == ("smtp_550", "smtp_550", 1)


async def test_the_last_allowed_attempt_failing_exhausts_the_delivery() -> None:
    world = FakeNotifications.at(NOW)
    _, email = await told(world, by_email())
    # A defect in the transport counts as a transient failure, not a crash of the loop.
    mail = ScriptedTransport(
        Failure("smtp_451", permanent=False), RuntimeError("bug"), Failure("smtp_421", False)
    )
    sender = world.sender({"email": mail})
    for _ in range(3):
        await sender.send_due()
        world.clock.advance(timedelta(minutes=5))
    failed = world.deliveries.progress(email)
    assert (failed.status, failed.attempts) == ("failed", 3)
    assert (failed.reason, failed.last_error) == ("attempts_exhausted", "smtp_421")
    assert len(mail.sent) == 3
    (published,) = outcomes(world)
    assert MessageDeliveryFailed.model_validate(published.data).reason == "attempts_exhausted"


async def test_consent_withdrawn_before_sending_fails_without_sending() -> None:
    world = FakeNotifications.at(NOW)
    _, email = await told(world, by_email())
    world.contacts.contacts[("person", SUPPORTER)] = Contact(email=ADDRESS)
    mail = ScriptedTransport()
    await world.sender({"email": mail}).send_due()
    assert mail.sent == []
    assert world.deliveries.progress(email).reason == "no_consent"


async def test_quiet_hours_set_since_the_message_wait_without_using_an_attempt() -> None:
    world = FakeNotifications.at(NOW)  # 10:00 in Dublin
    _, email = await told(world, by_email())
    quiet = QuietHours(time(9, 0), time(12, 0), "Europe/Dublin")
    world.contacts.contacts[("person", SUPPORTER)] = Contact(
        email=ADDRESS, consent=frozenset({"email"}), quiet_hours=quiet
    )
    mail = ScriptedTransport()
    assert await world.sender({"email": mail}).send_due() == 0
    deferred = world.deliveries.progress(email)
    assert (deferred.status, deferred.attempts) == ("deferred", 0)
    assert deferred.next_attempt_at == datetime(2031, 5, 1, 11, 0, tzinfo=UTC)
    assert world.deliveries.claims == {}
    assert mail.sent == []


async def test_an_attempt_claimed_by_another_replica_is_left_to_it_until_its_lease_ends() -> None:
    world = FakeNotifications.at(NOW)
    _, email = await told(world, by_email())
    assert await world.deliveries.claim(email, 1, by="replica-2", now=NOW)
    mail = ScriptedTransport()
    sender = world.sender({"email": mail}, claim_lease=timedelta(minutes=2))
    assert await sender.send_due() == 0
    assert mail.sent == []

    # Past the lease the other replica is taken for dead: this one claims the next attempt.
    world.clock.advance(timedelta(minutes=3))
    assert await sender.send_due() == 1
    assert len(mail.sent) == 1
    assert world.deliveries.claims[f"{email}#2"][0] == "replica-1"
    assert world.deliveries.progress(email).attempts == 2


async def test_a_delivery_already_final_is_dropped_from_the_due_list() -> None:
    world = FakeNotifications.at(NOW)
    _, email = await told(world, by_email())
    await world.deliveries.finish(email, status="sent", attempts=1, now=NOW)
    world.deliveries.pending[email] = NOW  # left behind by a crash between two writes
    mail = ScriptedTransport()
    assert await world.sender({"email": mail}).send_due() == 0
    assert world.deliveries.pending == {}
    assert mail.sent == []
