"""In-memory stand-ins for notifications' ports (service_layer/ports.py): the records, the
contact book, the delivery book with its pending list and claims, transports, webhook checks
and the erasure ledger. Each keeps the contract of the MongoDB or network adapter it replaces
(an id recorded once, the pending list holding only open deliveries, a claim won once)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Unpack

from peerlink_notifications.domain.contacts import Contact, ExternalChannel, RecipientKind
from peerlink_notifications.domain.delivery import (
    OPEN_STATUSES,
    AttemptOutcome,
    Delivery,
    DeliveryProgress,
    Destination,
    RetryPolicy,
    Sent,
)
from peerlink_notifications.domain.message_log import LoggedMessage
from peerlink_notifications.domain.templates import CentreView
from peerlink_notifications.service_layer.handlers import NotificationsHandlers
from peerlink_notifications.service_layer.ports import Finish, NewDelivery, NextAttempt, Transport
from peerlink_notifications.service_layer.sending import DeliverySender
from peerlink_shared.contracts import CentreRegistered, Payload
from peerlink_shared.lifecycle.subject_access import Record
from peerlink_shared.messaging.envelope import Envelope, make_envelope, new_event_id
from peerlink_shared.messaging.publishing import Publisher, source_of

from tests.fakes.clock import MovableClock
from tests.fakes.outbox import RecordingOutbox


class FakeRecords:
    """Centres, the message log and the staffing states seen."""

    def __init__(self) -> None:
        self.centres: dict[str, CentreView] = {}
        self.messages: dict[str, LoggedMessage] = {}
        self.staffing: dict[str, str] = {}

    async def save_centre(self, centre: CentreRegistered) -> None:
        self.centres[centre.centre_id] = CentreView(
            centre_id=centre.centre_id, display_name=centre.display_name, timezone=centre.timezone
        )

    async def centre(self, centre_id: str) -> CentreView | None:
        return self.centres.get(centre_id)

    async def add_message(self, message: LoggedMessage) -> bool:
        if message.message_id in self.messages:
            return False
        self.messages[message.message_id] = message
        return True

    async def messages_for(self, recipient_id: str) -> list[LoggedMessage]:
        return _oldest_first(m for m in self.messages.values() if m.recipient_id == recipient_id)

    async def held_for(self, recipient_id: str) -> list[Record]:
        return [
            {"message_id": m.message_id, "text": m.text, "status": m.status}
            for m in await self.messages_for(recipient_id)
        ]

    async def messages_at(self, centre_id: str, *, since: datetime) -> list[LoggedMessage]:
        return _oldest_first(
            m for m in self.messages.values() if m.centre_id == centre_id and m.created_at >= since
        )

    async def staffing_seen(self, session_id: str) -> str | None:
        return self.staffing.get(session_id)

    async def see_staffing(self, session_id: str, state: str) -> None:
        self.staffing[session_id] = state

    async def forget_person(self, person_id: str) -> dict[str, int]:
        theirs = [key for key, m in self.messages.items() if m.recipient_id == person_id]
        for key in theirs:
            del self.messages[key]
        return {"messages": len(theirs), "staffing_states": 0}


def _oldest_first(messages: Iterable[LoggedMessage]) -> list[LoggedMessage]:
    return sorted(messages, key=lambda m: m.created_at)


class FakeContacts:
    def __init__(self) -> None:
        self.contacts: dict[tuple[RecipientKind, str], Contact] = {}

    async def find(self, kind: RecipientKind, recipient_id: str) -> Contact | None:
        return self.contacts.get((kind, recipient_id))

    async def replace(self, kind: RecipientKind, recipient_id: str, contact: Contact) -> None:
        self.contacts[(kind, recipient_id)] = contact

    async def forget_person(self, person_id: str) -> int:
        return 1 if self.contacts.pop(("person", person_id), None) is not None else 0


@dataclass(frozen=True)
class StoredDelivery:
    """A delivery as the real store keeps it (text and all; never an address)."""

    delivery: Delivery | None  # None for the in-app one: the loop never reads it
    progress: DeliveryProgress
    centre_id: str
    recipient_kind: RecipientKind
    cause_event_id: str


def _stored(new: NewDelivery, *, now: datetime) -> StoredDelivery:
    planned, rendered = new.planned, new.rendered
    external = None
    if planned.channel != "in_app" and planned.due_at is not None:
        external = Delivery(
            delivery_id=new.delivery_id,
            message_id=new.message_id,
            recipient_id=new.recipient_id,
            recipient_kind=new.kind,
            channel=planned.channel,
            subject=rendered.subject,
            text=rendered.text,
            locale=rendered.locale,
            status=planned.status,
            attempts=0,
            next_attempt_at=planned.due_at,
            correlation_id=new.cause.correlationid,
        )
    progress = DeliveryProgress(
        delivery_id=new.delivery_id,
        message_id=new.message_id,
        recipient_id=new.recipient_id,
        channel=planned.channel,
        status=planned.status,
        attempts=0,
        last_error=None,
        reason=None,
        next_attempt_at=planned.due_at,
        sent_at=now if planned.status == "sent" else None,
        created_at=now,
    )
    return StoredDelivery(external, progress, new.centre_id, new.kind, new.cause.id)


class FakeDeliveries:
    def __init__(self) -> None:
        self.stored: dict[str, StoredDelivery] = {}
        self.pending: dict[str, datetime | None] = {}
        self.claims: dict[str, tuple[str, datetime]] = {}

    async def open(self, new: NewDelivery, *, now: datetime) -> bool:
        inserted = new.delivery_id not in self.stored
        if inserted:
            self.stored[new.delivery_id] = _stored(new, now=now)
        current = self.stored[new.delivery_id].progress
        if current.status in OPEN_STATUSES and new.delivery_id not in self.pending:
            self.pending[new.delivery_id] = current.next_attempt_at
        return inserted

    async def due(self, *, now: datetime, limit: int) -> list[str]:
        due = [(at, i) for i, at in self.pending.items() if at is not None and at <= now]
        return [delivery_id for _, delivery_id in sorted(due)[:limit]]

    async def get(self, delivery_id: str) -> Delivery | None:
        stored = self.stored.get(delivery_id)
        return None if stored is None else stored.delivery

    async def claim(self, delivery_id: str, attempt: int, *, by: str, now: datetime) -> bool:
        key = f"{delivery_id}#{attempt}"
        if key in self.claims:
            return False
        self.claims[key] = (by, now)
        return True

    async def claimed_at(self, delivery_id: str, attempt: int) -> datetime | None:
        claim = self.claims.get(f"{delivery_id}#{attempt}")
        return None if claim is None else claim[1]

    async def schedule(self, delivery_id: str, **change: Unpack[NextAttempt]) -> None:
        stored, at = self.stored[delivery_id], change["at"]
        progress = replace(stored.progress, status=change["status"], next_attempt_at=at)
        if "attempts" in change:
            progress = replace(
                progress, attempts=change["attempts"], last_error=change.get("last_error")
            )
        self._update(stored, progress)
        if delivery_id in self.pending:
            self.pending[delivery_id] = at

    async def finish(self, delivery_id: str, **end: Unpack[Finish]) -> None:
        stored, status = self.stored[delivery_id], end["status"]
        progress = replace(
            stored.progress, status=status, attempts=end["attempts"], next_attempt_at=None
        )
        if status == "sent":
            progress = replace(progress, sent_at=end["now"])
        else:
            progress = replace(progress, last_error=end.get("last_error"), reason=end.get("reason"))
        self._update(stored, progress)
        await self.drop_pending(delivery_id)

    def _update(self, stored: StoredDelivery, progress: DeliveryProgress) -> None:
        delivery = stored.delivery
        if delivery is not None and progress.next_attempt_at is not None:
            delivery = replace(
                delivery,
                status=progress.status,
                attempts=progress.attempts,
                next_attempt_at=progress.next_attempt_at,
            )
        elif delivery is not None:
            delivery = replace(delivery, status=progress.status, attempts=progress.attempts)
        self.stored[progress.delivery_id] = replace(stored, delivery=delivery, progress=progress)

    async def drop_pending(self, delivery_id: str) -> None:
        self.pending.pop(delivery_id, None)

    async def for_recipient(
        self, kind: RecipientKind, recipient_id: str, *, since: datetime
    ) -> list[DeliveryProgress]:
        return [
            s.progress
            for s in self.stored.values()
            if s.recipient_kind == kind
            and s.progress.recipient_id == recipient_id
            and s.progress.created_at >= since
        ]

    async def held_for(
        self, kind: RecipientKind, recipient_id: str, *, since: datetime
    ) -> list[Record]:
        found = await self.for_recipient(kind, recipient_id, since=since)
        return [{"delivery_id": d.delivery_id, "channel": d.channel} for d in found]

    async def at_centre(self, centre_id: str, *, since: datetime) -> list[DeliveryProgress]:
        return [
            s.progress
            for s in self.stored.values()
            if s.centre_id == centre_id and s.progress.created_at >= since
        ]

    async def forget_person(self, person_id: str) -> dict[str, int]:
        theirs = [
            delivery_id
            for delivery_id, s in self.stored.items()
            if s.recipient_kind == "person" and s.progress.recipient_id == person_id
        ]
        claims = [key for key in self.claims if key.split("#", 1)[0] in theirs]
        pending = [delivery_id for delivery_id in theirs if delivery_id in self.pending]
        for delivery_id in theirs:
            del self.stored[delivery_id]
            self.pending.pop(delivery_id, None)
        for key in claims:
            del self.claims[key]
        return {
            "deliveries": len(theirs),
            "delivery_pending": len(pending),
            "delivery_claims": len(claims),
        }

    def progress(self, delivery_id: str) -> DeliveryProgress:
        return self.stored[delivery_id].progress


class ScriptedTransport:
    """Answers each send from a script (then `Sent`), and remembers where it sent what."""

    def __init__(self, *outcomes: AttemptOutcome | Exception) -> None:
        self._script = list(outcomes)
        self.sent: list[tuple[Delivery, Destination]] = []

    async def send(self, delivery: Delivery, destination: Destination) -> AttemptOutcome:
        self.sent.append((delivery, destination))
        outcome = self._script.pop(0) if self._script else Sent()
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


class FakeWebhookChecks:
    """Refuses the URLs it is given, with their reasons; every other URL may be reached."""

    def __init__(self, refusals: dict[str, str] | None = None) -> None:
        self._refusals = refusals or {}
        self.checked: list[str] = []

    async def refusal(self, url: str) -> str | None:
        self.checked.append(url)
        return self._refusals.get(url)


class FakeErasedPersons:
    def __init__(self, *erased: str) -> None:
        self.erased = set(erased)

    async def is_erased(self, person_id: str) -> bool:
        return person_id in self.erased


class CountingWake:
    def __init__(self) -> None:
        self.times = 0

    def set(self) -> None:
        self.times += 1


def scheduling_event(payload: Payload, *, at: datetime, subject: str = "s-1") -> Envelope:
    """An event as scheduling publishes it, the first of its flow."""
    return make_envelope(
        event_id=new_event_id(),
        source="/peerlink/scheduling",
        event_type=payload.event_type(),
        subject=subject,
        time=at,
        data=payload.model_dump(mode="json"),
        correlation_id=new_event_id(),
    )


TOPIC = "notification-events"
# 30 s, then 60 s: with full jitter, a retry is due exactly then.
THREE_TRIES = RetryPolicy(max_attempts=3, base_delay=timedelta(seconds=30))


@dataclass
class FakeNotifications:
    """Notifications' use cases wired over the fakes, as bootstrap wires them over the real
    adapters: one publisher on the notification topic, shared by telling and sending."""

    clock: MovableClock
    records: FakeRecords
    contacts: FakeContacts
    deliveries: FakeDeliveries
    outbox: RecordingOutbox
    erased: FakeErasedPersons
    wake: CountingWake
    handlers: NotificationsHandlers
    publisher: Publisher

    @classmethod
    def at(cls, now: datetime) -> FakeNotifications:
        clock, outbox = MovableClock(now), RecordingOutbox()
        records, contacts, deliveries = FakeRecords(), FakeContacts(), FakeDeliveries()
        erased, wake = FakeErasedPersons(), CountingWake()
        publisher = Publisher(
            sink=outbox, source=source_of("notifications"), topic=TOPIC, clock=clock
        )
        handlers = NotificationsHandlers(
            repository=records,
            contacts=contacts,
            deliveries=deliveries,
            notification_events=publisher,
            clock=clock,
            wake=wake,
            erasures=erased,
        )
        return cls(clock, records, contacts, deliveries, outbox, erased, wake, handlers, publisher)

    def sender(
        self,
        transports: Mapping[ExternalChannel, Transport],
        *,
        policy: RetryPolicy = THREE_TRIES,
        replica: str = "replica-1",
        claim_lease: timedelta = timedelta(minutes=2),
    ) -> DeliverySender:
        return DeliverySender(
            deliveries=self.deliveries,
            contacts=self.contacts,
            notification_events=self.publisher,
            clock=self.clock,
            transports=transports,
            policy=policy,
            replica=replica,
            claim_lease=claim_lease,
            jitter=lambda: 1.0,  # the full delay: the tests know when a retry is due
        )

    def published(self) -> list[Envelope]:
        return self.outbox.on(TOPIC)
