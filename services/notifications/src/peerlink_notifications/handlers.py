"""Notifications' use cases: centre names; one message per (event, recipient, channel)."""

from __future__ import annotations

import structlog
from peerlink_shared.clock import Clock
from peerlink_shared.contracts import (
    CentreRegistered,
    MessageRecorded,
    SessionCancelled,
    SessionUnfilled,
    SupporterAssigned,
    SupporterUnassigned,
)
from peerlink_shared.envelope import Envelope, derived_event_id, make_envelope
from peerlink_shared.outbox import Outbox
from peerlink_shared.topics import Topics

from peerlink_notifications.adapters.repository import NotificationsRepository
from peerlink_notifications.domain.templates import (
    CentreView,
    session_booked,
    session_cancelled,
    session_released,
    session_unfilled,
)

SOURCE = "/peerlink/notifications"
log = structlog.get_logger("peerlink.notifications")
# Until delivery channels exist, every message is kept for the recipient to read in the app.
CHANNEL = "in_app"


class NotificationsHandlers:
    def __init__(
        self, *, repository: NotificationsRepository, outbox: Outbox, topics: Topics, clock: Clock
    ) -> None:
        self._repository = repository
        self._outbox = outbox
        self._topics = topics
        self._clock = clock

    async def on_centre_registered(self, envelope: Envelope, centre: CentreRegistered) -> None:
        await self._repository.save_centre(centre)

    async def on_supporter_assigned(self, envelope: Envelope, assigned: SupporterAssigned) -> None:
        centre = await self._centre(assigned.centre_id)
        text = session_booked(centre=centre, starts_at=assigned.starts_at)
        await self._record(
            envelope, recipient=assigned.supporter_id, centre_id=centre.centre_id, text=text
        )

    async def on_supporter_unassigned(
        self, envelope: Envelope, released: SupporterUnassigned
    ) -> None:
        centre = await self._centre(released.centre_id)
        text = session_released(centre=centre, starts_at=released.starts_at)
        await self._record(
            envelope, recipient=released.supporter_id, centre_id=centre.centre_id, text=text
        )

    async def on_session_cancelled(self, envelope: Envelope, cancelled: SessionCancelled) -> None:
        centre = await self._centre(cancelled.centre_id)
        text = session_cancelled(centre=centre, starts_at=cancelled.starts_at)
        for supporter_id in cancelled.supporter_ids:
            await self._record(
                envelope, recipient=supporter_id, centre_id=centre.centre_id, text=text
            )

    async def on_session_unfilled(self, envelope: Envelope, unfilled: SessionUnfilled) -> None:
        """Tells the centre (its coordinators read the centre's messages)."""
        centre = await self._centre(unfilled.centre_id)
        text = session_unfilled(
            centre=centre,
            starts_at=unfilled.starts_at,
            open_slots=unfilled.open_slots,
            reason=unfilled.reason,
        )
        await self._record(
            envelope, recipient=centre.centre_id, centre_id=centre.centre_id, text=text
        )

    async def _centre(self, centre_id: str) -> CentreView:
        return await self._repository.centre(centre_id) or CentreView(
            centre_id=centre_id, display_name=centre_id, timezone="UTC"
        )

    async def _record(
        self, envelope: Envelope, *, recipient: str, centre_id: str, text: str
    ) -> None:
        """One message per (event, recipient, channel), however often the event arrives."""
        message_id = derived_event_id("message", envelope.id, recipient, CHANNEL)
        recorded = MessageRecorded(
            message_id=message_id,
            recipient_id=recipient,
            channel=CHANNEL,
            cause_event_id=envelope.id,
        )
        await self._outbox.add(
            envelope=make_envelope(
                event_id=message_id,
                source=SOURCE,
                event_type=recorded.event_type(),
                subject=recipient,
                time=self._clock.now(),
                data=recorded.model_dump(mode="json"),
                correlation_id=envelope.correlationid,
                causation_id=envelope.id,
            ),
            topic=self._topics.notification_events,
        )
        added = await self._repository.add_message(
            {
                "_id": message_id,
                "recipient_id": recipient,
                "centre_id": centre_id,
                "channel": CHANNEL,
                "text": text,
                "cause_event_id": envelope.id,
                "status": "recorded",
                "created_at": self._clock.now(),
            }
        )
        if added:
            log.info("message_recorded", recipient=recipient, message=message_id, channel=CHANNEL)
