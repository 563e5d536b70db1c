"""Taking a supporter off a booked session: the event first (a crash before the slot is freed
replays to the same event, under the assignment's id), then the slot and their time."""

from __future__ import annotations

import structlog
from peerlink_shared.contracts import SupporterUnassigned
from peerlink_shared.envelope import derived_event_id
from peerlink_shared.publishing import Cause

from peerlink_scheduling.domain.bookings import Assignment
from peerlink_scheduling.service_layer.ports import EventPublisher, Sessions

log = structlog.get_logger("peerlink.scheduling")


async def unassign(
    assignment: Assignment, *, sessions: Sessions, events: EventPublisher, cause: Cause
) -> None:
    payload = SupporterUnassigned(
        session_id=assignment.session_id,
        centre_id=assignment.centre_id,
        supporter_id=assignment.supporter_id,
        slot=assignment.slot,
        starts_at=assignment.starts_at,
    )
    await events.publish(
        payload,
        subject=assignment.session_id,
        cause=cause,
        event_id=derived_event_id("unassigned", assignment.assignment_id),
    )
    await sessions.release(assignment.slot_id)
    await sessions.free_time(
        assignment.supporter_id, assignment.starts_at, assignment.ends_at, token=None
    )
    log.info(
        "supporter_unassigned", session=assignment.session_id, supporter=assignment.supporter_id
    )
