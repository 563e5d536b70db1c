"""Publishes each delivery's final outcome through the outbox, under an id fixed by the
delivery, so recording it twice publishes it once. Ids and codes only: no address, no text."""

from __future__ import annotations

from peerlink_shared.clock import Clock
from peerlink_shared.contracts import MessageDelivered, MessageDeliveryFailed, Payload
from peerlink_shared.envelope import derived_event_id, make_envelope
from peerlink_shared.outbox import Outbox
from peerlink_shared.topics import Topics

from peerlink_notifications.domain.delivery import Delivered, Delivery, GaveUp

SOURCE = "/peerlink/notifications"


class DeliveryEvents:
    def __init__(self, *, outbox: Outbox, topics: Topics, clock: Clock) -> None:
        self._outbox = outbox
        self._topics = topics
        self._clock = clock

    async def delivered(self, delivery: Delivery, step: Delivered) -> None:
        payload = MessageDelivered(
            message_id=delivery.message_id,
            delivery_id=delivery.delivery_id,
            recipient_id=delivery.recipient_id,
            channel=delivery.channel,
            attempts=step.attempts,
        )
        await self._add(delivery, payload, outcome="delivered")

    async def failed(self, delivery: Delivery, step: GaveUp) -> None:
        payload = MessageDeliveryFailed(
            message_id=delivery.message_id,
            delivery_id=delivery.delivery_id,
            recipient_id=delivery.recipient_id,
            channel=delivery.channel,
            attempts=step.attempts,
            reason=step.reason,
            last_error=step.last_error,
        )
        await self._add(delivery, payload, outcome="failed")

    async def _add(self, delivery: Delivery, payload: Payload, *, outcome: str) -> None:
        await self._outbox.add(
            envelope=make_envelope(
                event_id=derived_event_id("delivery", delivery.delivery_id, outcome),
                source=SOURCE,
                event_type=payload.event_type(),
                subject=delivery.recipient_id,
                time=self._clock.now(),
                data=payload.model_dump(mode="json"),
                correlation_id=delivery.correlation_id,
                causation_id=delivery.message_id,
            ),
            topic=self._topics.notification_events,
        )
