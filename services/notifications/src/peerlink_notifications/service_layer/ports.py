"""What the use cases need of the edges: stores, transports, the erasure ledger. The real
adapters (MongoDB, SMTP, HTTP) and the in-memory fakes of the service-layer tests both
satisfy these."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from peerlink_shared.contracts import CentreRegistered
from peerlink_shared.envelope import Envelope
from peerlink_shared.subject_access import Record

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
    async def forget_person(self, person_id: str) -> dict[str, int]: ...


class ContactBook(Protocol):
    async def find(self, kind: RecipientKind, recipient_id: str) -> Contact | None: ...

    async def replace(self, kind: RecipientKind, recipient_id: str, contact: Contact) -> None: ...

    async def forget_person(self, person_id: str) -> int: ...


class DeliveryProgressLog(Protocol):
    """Deliveries as their readers see them."""

    async def for_recipient(
        self, kind: RecipientKind, recipient_id: str, *, since: datetime
    ) -> list[DeliveryProgress]: ...

    async def at_centre(self, centre_id: str, *, since: datetime) -> list[DeliveryProgress]: ...


class DeliveryBook(DeliveryProgressLog, Protocol):
    """Deliveries, the list of those due, and the claims that make each attempt once."""

    async def open(
        self,
        *,
        delivery_id: str,
        message_id: str,
        recipient_id: str,
        kind: RecipientKind,
        centre_id: str,
        rendered: Rendered,
        planned: Planned,
        cause: Envelope,
        now: datetime,
    ) -> bool: ...

    async def due(self, *, now: datetime, limit: int) -> list[str]: ...

    async def get(self, delivery_id: str) -> Delivery | None: ...

    async def claim(self, delivery_id: str, attempt: int, *, by: str, now: datetime) -> bool: ...

    async def claimed_at(self, delivery_id: str, attempt: int) -> datetime | None: ...

    async def schedule(
        self,
        delivery_id: str,
        *,
        status: Status,
        at: datetime,
        now: datetime,
        attempts: int | None = None,
        last_error: str | None = None,
    ) -> None: ...

    async def finish(
        self,
        delivery_id: str,
        *,
        status: Status,
        attempts: int,
        now: datetime,
        last_error: str | None = None,
        reason: str | None = None,
    ) -> None: ...

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
