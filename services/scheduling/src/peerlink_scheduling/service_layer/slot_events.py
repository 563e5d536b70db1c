"""What an assignment's events share: the slot they are about, published on the session's
subject under an id derived from the assignment (a retry publishes the same event again)."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from peerlink_shared.contracts.base import Payload
from peerlink_shared.messaging.envelope import derived_event_id
from peerlink_shared.messaging.publishing import Cause

from peerlink_scheduling.domain.bookings import Assignment
from peerlink_scheduling.service_layer.ports import EventPublisher


class SlotFields(TypedDict):
    session_id: str
    centre_id: str
    supporter_id: str
    slot: int
    starts_at: datetime


def slot_fields(a: Assignment) -> SlotFields:
    return {
        "session_id": a.session_id,
        "centre_id": a.centre_id,
        "supporter_id": a.supporter_id,
        "slot": a.slot,
        "starts_at": a.starts_at,
    }


async def publish_about(
    assignment: Assignment, payload: Payload, *, kind: str, events: EventPublisher, cause: Cause
) -> None:
    await events.publish(
        payload,
        subject=assignment.session_id,
        cause=cause,
        event_id=derived_event_id(kind, assignment.assignment_id),
    )
