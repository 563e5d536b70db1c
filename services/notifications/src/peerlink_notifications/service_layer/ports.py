"""What the use cases need of the edges: stores, transports, the erasure ledger. The real
adapters (MongoDB, SMTP, HTTP) and the in-memory fakes of the service-layer tests both
satisfy these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NotRequired, Protocol, TypedDict, Unpack

from peerlink_shared.contracts import CentreRegistered
from peerlink_shared.lifecycle.subject_access import Record
from peerlink_shared.messaging.envelope import Envelope

from peerlink_notifications.domain.contacts import Contact, RecipientKind
from peerlink_notifications.domain.delivery import (
    AttemptOutcome,
    Delivery,
    DeliveryProgress,
    Destination,
    Planned,
    Status,
)
from peerlink_notifications.domain.message_log import LoggedMessage
from peerlink_notifications.domain.templates import CentreView, Rendered


class Centres(Protocol):
    """Centres' names and time zones, for the texts."""

    async def save_centre(self, centre: CentreRegistered) -> None: ...

    async def centre(self, centre_id: str) -> CentreView | None: ...


class MessageLog(Protocol):
    async def add_message(self, message: LoggedMessage) -> bool:
        """False when a message with this id was logged before."""
        ...

    async def messages_for(self, recipient_id: str) -> list[LoggedMessage]: ...

    async def messages_at(self, centre_id: str, *, since: datetime) -> list[LoggedMessage]: ...


class StaffingSeen(Protocol):
    """The last staffing state told per session: 'unfilled' or 'filled:<sorted ids>'."""

    async def staffing_seen(self, session_id: str) -> str | None: ...

    async def see_staffing(self, session_id: str, state: str) -> None: ...


class NotificationsRecords(Centres, MessageLog, StaffingSeen, Protocol):
    async def forget_person(self, person_id: str) -> dict[str, int]:
        """Deletes the person's messages; a staffing state that named them names an erased
        supporter instead (it only decides whether the centre is told again)."""
        ...


class ContactBook(Protocol):
    async def find(self, kind: RecipientKind, recipient_id: str) -> Contact | None:
        """The contact, or None if there is none or its owner's key was destroyed."""
        ...

    async def replace(self, kind: RecipientKind, recipient_id: str, contact: Contact) -> None:
        """The whole contact is replaced: an address left out is an address removed.
        Raises PersonKeyDestroyed for an erased person."""
        ...

    async def forget_person(self, person_id: str) -> int: ...


class DeliveryProgressLog(Protocol):
    """Deliveries as their readers see them."""

    async def for_recipient(
        self, kind: RecipientKind, recipient_id: str, *, since: datetime
    ) -> list[DeliveryProgress]: ...

    async def at_centre(self, centre_id: str, *, since: datetime) -> list[DeliveryProgress]: ...


@dataclass(frozen=True)
class NewDelivery:
    """A message's delivery over one channel to one recipient, opened for an event (`cause`)."""

    delivery_id: str
    message_id: str
    recipient_id: str
    kind: RecipientKind
    centre_id: str
    rendered: Rendered
    planned: Planned
    cause: Envelope


class NextAttempt(TypedDict):
    status: Status
    at: datetime
    now: datetime
    # Set when an attempt was made (a retry), left out when only the time moves.
    attempts: NotRequired[int]
    last_error: NotRequired[str | None]


class Finish(TypedDict):
    status: Status
    attempts: int
    now: datetime
    last_error: NotRequired[str | None]
    reason: NotRequired[str | None]


class DeliveryBook(DeliveryProgressLog, Protocol):
    """Deliveries, the list of those due, and the claims that make each attempt once."""

    async def open(self, new: NewDelivery, *, now: datetime) -> bool:
        """Records a delivery unless one has this id (the event came again: nothing new);
        an open one is listed as pending either way, which also repairs a crash between
        the two writes. True if this call recorded it."""
        ...

    async def due(self, *, now: datetime, limit: int) -> list[str]: ...

    async def get(self, delivery_id: str) -> Delivery | None: ...

    async def claim(self, delivery_id: str, attempt: int, *, by: str, now: datetime) -> bool: ...

    async def claimed_at(self, delivery_id: str, attempt: int) -> datetime | None: ...

    async def schedule(self, delivery_id: str, **change: Unpack[NextAttempt]) -> None:
        """Moves an open delivery's next attempt; the delivery first, so a replica that
        read the pending list just before sees the new time and waits."""
        ...

    async def finish(self, delivery_id: str, **end: Unpack[Finish]) -> None:
        """Closes a delivery and drops its pending entry. A sent one keeps the last error it
        met on the way, as its history; a failed one records its error and reason."""
        ...

    async def drop_pending(self, delivery_id: str) -> None: ...

    async def forget_person(self, person_id: str) -> dict[str, int]: ...


class MessagesHeld(Protocol):
    async def held_for(self, recipient_id: str) -> list[Record]:
        """A person's messages as their subject access report shows them."""
        ...


class DeliveriesHeld(Protocol):
    async def held_for(
        self, kind: RecipientKind, recipient_id: str, *, since: datetime
    ) -> list[Record]:
        """A recipient's deliveries as their subject access report shows them."""
        ...


class Transport(Protocol):
    """One channel's way out (SMTP, a webhook, an SMS provider)."""

    async def send(self, delivery: Delivery, destination: Destination) -> AttemptOutcome: ...


class WebhookChecks(Protocol):
    async def refusal(self, url: str) -> str | None:
        """Why a webhook may not lead to `url` now (`not_https`, `private`, `unresolvable`,
        ...), or None when it may."""
        ...


class ErasedPersons(Protocol):
    async def is_erased(self, person_id: str) -> bool: ...


class Wake(Protocol):
    """Tells the delivery loop there is something new to send (an `asyncio.Event`)."""

    def set(self) -> None: ...
