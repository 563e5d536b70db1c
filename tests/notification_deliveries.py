"""The delivery the notifications transport tests send: a booking's message, pending and
never tried, with ids of its own (`dl-<tag>-1`, `m-<tag>-1`, `p-<tag>`, `c-<tag>`)."""

from __future__ import annotations

from datetime import datetime

from peerlink_notifications.domain.contacts import ExternalChannel
from peerlink_notifications.domain.delivery import Delivery


def booked_delivery(tag: str, *, channel: ExternalChannel, due: datetime) -> Delivery:
    return Delivery(
        delivery_id=f"dl-{tag}-1",
        message_id=f"m-{tag}-1",
        recipient_id=f"p-{tag}",
        recipient_kind="person",
        channel=channel,
        subject="PeerLink: you are booked",
        text="You have a session at Lake House on Tuesday at 18:00.",
        locale="en",
        status="pending",
        attempts=0,
        next_attempt_at=due,
        correlation_id=f"c-{tag}",
    )
