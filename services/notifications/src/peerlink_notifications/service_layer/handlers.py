"""Notifications' use cases: centre names; one message per (event, recipient, channel)."""

from __future__ import annotations

import structlog
from peerlink_shared.clock import Clock
from peerlink_shared.contracts import (
    CentreRegistered,
    MessageRecorded,
    SessionCancelled,
    SessionFilled,
    SessionUnfilled,
    SupporterAssigned,
    SupporterUnassigned,
)
from peerlink_shared.lifecycle.erasure import skipped_for_erased_person
from peerlink_shared.messaging.envelope import Envelope, derived_event_id
from peerlink_shared.messaging.publishing import Cause, Publisher

from peerlink_notifications.domain import templates
from peerlink_notifications.domain.contacts import Channel, RecipientKind
from peerlink_notifications.domain.delivery import plan_deliveries
from peerlink_notifications.domain.message_log import LoggedMessage
from peerlink_notifications.domain.templates import CentreView, Message, render, resolve_locale
from peerlink_notifications.service_layer.ports import (
    ContactBook,
    DeliveryBook,
    ErasedPersons,
    NewDelivery,
    NotificationsRecords,
    Wake,
)

log = structlog.get_logger("peerlink.notifications")
# Every message is kept for the recipient to read in the app, whatever else they consented to.
IN_APP: Channel = "in_app"


def delivery_id(cause_event_id: str, recipient: str, channel: Channel) -> str:
    """Fixed by (event, recipient, channel): a redelivered event finds its deliveries made.
    The in-app delivery's id is the message id."""
    return derived_event_id("message", cause_event_id, recipient, channel)


class NotificationsHandlers:
    """One handler per event this service is told of."""

    def __init__(
        self,
        *,
        repository: NotificationsRecords,
        contacts: ContactBook,
        deliveries: DeliveryBook,
        notification_events: Publisher,
        clock: Clock,
        wake: Wake,
        erasures: ErasedPersons,
    ) -> None:
        self._repository = repository
        self._contacts = contacts
        self._deliveries = deliveries
        self._events = notification_events
        self._clock = clock
        self._wake = wake
        self._erasures = erasures

    async def on_centre_registered(self, envelope: Envelope, centre: CentreRegistered) -> None:
        await self._repository.save_centre(centre)

    async def on_supporter_assigned(self, envelope: Envelope, assigned: SupporterAssigned) -> None:
        centre = await self._centre(assigned.centre_id)
        message = templates.SessionBooked(centre, assigned.starts_at)
        await self._tell(envelope, recipient=assigned.supporter_id, kind="person", message=message)

    async def on_supporter_unassigned(
        self, envelope: Envelope, released: SupporterUnassigned
    ) -> None:
        centre = await self._centre(released.centre_id)
        message = templates.SessionReleased(centre, released.starts_at)
        await self._tell(envelope, recipient=released.supporter_id, kind="person", message=message)

    async def on_session_cancelled(self, envelope: Envelope, cancelled: SessionCancelled) -> None:
        centre = await self._centre(cancelled.centre_id)
        message = templates.SessionCancelled(centre, cancelled.starts_at)
        for supporter_id in cancelled.supporter_ids:
            await self._tell(envelope, recipient=supporter_id, kind="person", message=message)

    async def on_session_unfilled(self, envelope: Envelope, unfilled: SessionUnfilled) -> None:
        """Tells the centre (its coordinators read the centre's messages)."""
        centre = await self._centre(unfilled.centre_id)
        message = templates.SessionUnfilled(
            centre, unfilled.starts_at, unfilled.open_slots, unfilled.reason
        )
        await self._tell(envelope, recipient=centre.centre_id, kind="centre", message=message)
        await self._repository.see_staffing(unfilled.session_id, "unfilled")

    async def on_session_filled(self, envelope: Envelope, filled: SessionFilled) -> None:
        """Tells the centre when a session short of supporters, or re-staffed after one was
        released, is full again; a session filled at once needs no message."""
        state = "filled:" + ",".join(sorted(filled.supporter_ids))
        seen = await self._repository.staffing_seen(filled.session_id)
        if seen is not None and seen != state:
            centre = await self._centre(filled.centre_id)
            message = templates.SessionStaffed(
                centre, filled.starts_at, new_supporter=seen.startswith("filled:")
            )
            # Told before the state is saved: a crash in between tells again, under the
            # same message id, so once.
            await self._tell(envelope, recipient=centre.centre_id, kind="centre", message=message)
        await self._repository.see_staffing(filled.session_id, state)

    async def _centre(self, centre_id: str) -> CentreView:
        return await self._repository.centre(centre_id) or CentreView(
            centre_id=centre_id, display_name=centre_id, timezone="UTC"
        )

    async def _tell(
        self, envelope: Envelope, *, recipient: str, kind: RecipientKind, message: Message
    ) -> None:
        """The in-app message, and a delivery per channel the recipient consented to, each
        recorded once however often the event arrives. Nothing for an erased person (a session
        event still on its way when the erasure arrived)."""
        if kind == "person" and await self._erasures.is_erased(recipient):
            skipped_for_erased_person(envelope, person_id=recipient)
            return
        contact = await self._contacts.find(kind, recipient)
        rendered = render(message, resolve_locale(contact.locale if contact else None))
        now = self._clock.now()
        message_id = delivery_id(envelope.id, recipient, IN_APP)
        await self._record_message(envelope, message_id=message_id, recipient=recipient)
        for planned in plan_deliveries(contact, now=now):
            new = NewDelivery(
                delivery_id=delivery_id(envelope.id, recipient, planned.channel),
                message_id=message_id,
                recipient_id=recipient,
                kind=kind,
                centre_id=message.centre.centre_id,
                rendered=rendered,
                planned=planned,
                cause=envelope,
            )
            await self._deliveries.open(new, now=now)
        self._wake.set()
        logged = LoggedMessage(
            message_id=message_id,
            recipient_id=recipient,
            centre_id=message.centre.centre_id,
            channel=IN_APP,
            text=rendered.text,
            cause_event_id=envelope.id,
            status="recorded",
            created_at=now,
        )
        if await self._repository.add_message(logged):
            log.info("message_recorded", recipient=recipient, message=message_id)

    async def _record_message(self, envelope: Envelope, *, message_id: str, recipient: str) -> None:
        recorded = MessageRecorded(
            message_id=message_id,
            recipient_id=recipient,
            channel=IN_APP,
            cause_event_id=envelope.id,
        )
        await self._events.publish(
            recorded, subject=recipient, cause=Cause.of(envelope), event_id=message_id
        )
