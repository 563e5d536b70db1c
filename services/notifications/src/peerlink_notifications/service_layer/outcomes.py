"""Each delivery's final outcome, published under an id fixed by the delivery, so recording
it twice publishes it once. Ids and codes only: no address, no text."""

from __future__ import annotations

from typing import TypedDict, assert_never

from peerlink_shared.contracts import MessageDelivered, MessageDeliveryFailed
from peerlink_shared.messaging.envelope import derived_event_id
from peerlink_shared.messaging.publishing import Cause, Publisher

from peerlink_notifications.domain.contacts import ExternalChannel
from peerlink_notifications.domain.delivery import Delivered, Delivery, GaveUp


async def publish_outcome(events: Publisher, delivery: Delivery, step: Delivered | GaveUp) -> None:
    """`MessageDelivered` or `MessageDeliveryFailed`, caused by the message, in its flow."""
    payload: MessageDelivered | MessageDeliveryFailed
    match step:
        case Delivered():
            outcome, payload = "delivered", _delivered(delivery, step)
        case GaveUp():
            outcome, payload = "failed", _failed(delivery, step)
        case _:
            assert_never(step)
    await events.publish(
        payload,
        subject=delivery.recipient_id,
        cause=Cause(correlation_id=delivery.correlation_id, causation_id=delivery.message_id),
        event_id=derived_event_id("delivery", delivery.delivery_id, outcome),
    )


class _Told(TypedDict):
    """What both outcome events say of the delivery: its ids and channel."""

    message_id: str
    delivery_id: str
    recipient_id: str
    channel: ExternalChannel


def _told(delivery: Delivery) -> _Told:
    return _Told(
        message_id=delivery.message_id,
        delivery_id=delivery.delivery_id,
        recipient_id=delivery.recipient_id,
        channel=delivery.channel,
    )


def _delivered(delivery: Delivery, step: Delivered) -> MessageDelivered:
    return MessageDelivered(**_told(delivery), attempts=step.attempts)


def _failed(delivery: Delivery, step: GaveUp) -> MessageDeliveryFailed:
    return MessageDeliveryFailed(
        **_told(delivery), attempts=step.attempts, reason=step.reason, last_error=step.last_error
    )
