"""Taking a supporter off a booked session: the event first (a crash before the slot is freed
replays to the same event, under the assignment's id), then the slot and their time."""

from __future__ import annotations

import structlog
from peerlink_shared.contracts import SupporterUnassigned
from peerlink_shared.messaging.publishing import Cause

from peerlink_scheduling.domain.bookings import Assignment
from peerlink_scheduling.service_layer.ports import EventPublisher, Sessions
from peerlink_scheduling.service_layer.slot_events import publish_about, slot_fields

log = structlog.get_logger("peerlink.scheduling")


async def unassign(
    assignment: Assignment, *, sessions: Sessions, events: EventPublisher, cause: Cause
) -> None:
    payload = SupporterUnassigned(**slot_fields(assignment))
    await publish_about(assignment, payload, kind="unassigned", events=events, cause=cause)
    await free_slot(assignment, sessions=sessions)
    log.info(
        "supporter_unassigned", session=assignment.session_id, supporter=assignment.supporter_id
    )


async def free_slot(assignment: Assignment, *, sessions: Sessions) -> None:
    """The slot for someone else, and the supporter's time back (whichever attempt held it)."""
    await sessions.release(assignment.slot_id)
    await sessions.free_time(
        assignment.supporter_id, assignment.starts_at, assignment.ends_at, token=None
    )
