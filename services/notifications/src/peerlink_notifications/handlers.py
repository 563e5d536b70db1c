"""Notifications' use cases: centre names; one message per (event, recipient, channel)."""

from __future__ import annotations

import structlog
from peerlink_shared.clock import Clock
from peerlink_shared.contracts import CentreRegistered, MessageRecorded, SupporterAssigned
from peerlink_shared.envelope import Envelope, derived_event_id, make_envelope
from peerlink_shared.outbox import Outbox
from peerlink_shared.topics import Topics

from peerlink_notifications.adapters.repository import NotificationsRepository
from peerlink_notifications.domain.templates import CentreView, session_booked

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
        centre = await self._repository.centre(assigned.centre_id) or CentreView(
            centre_id=assigned.centre_id, display_name=assigned.centre_id, timezone="UTC"
        )
        message_id = derived_event_id("message", envelope.id, assigned.supporter_id, CHANNEL)
        recorded = MessageRecorded(
            message_id=message_id,
            recipient_id=assigned.supporter_id,
            channel=CHANNEL,
            cause_event_id=envelope.id,
        )
        await self._outbox.add(
            envelope=make_envelope(
                event_id=message_id,
                source=SOURCE,
                event_type=recorded.event_type(),
                subject=assigned.supporter_id,
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
                "recipient_id": assigned.supporter_id,
                "centre_id": assigned.centre_id,
                "channel": CHANNEL,
                "text": session_booked(centre=centre, starts_at=assigned.starts_at),
                "cause_event_id": envelope.id,
                "status": "recorded",
                "created_at": self._clock.now(),
            }
        )
        if added:
            log.info(
                "message_recorded",
                recipient=assigned.supporter_id,
                message=message_id,
                channel=CHANNEL,
            )
