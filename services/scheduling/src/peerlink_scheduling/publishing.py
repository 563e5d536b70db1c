"""How scheduling publishes: every session event goes through the outbox, with an id derived
from its cause so a retry publishes the same event."""

from __future__ import annotations

from datetime import datetime

from peerlink_shared.clock import Clock
from peerlink_shared.contracts import (
    MeetingRequested,
    SessionCancelled,
    SessionFilled,
    SessionRequested,
    SessionUnfilled,
    SupporterAssigned,
    SupporterUnassigned,
)
from peerlink_shared.envelope import make_envelope
from peerlink_shared.mongo import Document
from peerlink_shared.outbox import Outbox
from peerlink_shared.topics import Topics

from peerlink_scheduling.adapters.repository import SchedulingRepository
from peerlink_scheduling.domain.matching import SessionRequest

SOURCE = "/peerlink/scheduling"
SessionEvent = (
    SessionRequested
    | MeetingRequested
    | SessionCancelled
    | SupporterAssigned
    | SupporterUnassigned
    | SessionFilled
    | SessionUnfilled
)


class SessionPublisher:
    """What every scheduling use case shares: the repository, the outbox and the clock."""

    def __init__(
        self, *, repository: SchedulingRepository, outbox: Outbox, topics: Topics, clock: Clock
    ) -> None:
        self._repository = repository
        self._outbox = outbox
        self._topics = topics
        self._clock = clock

    async def _publish(
        self,
        payload: SessionEvent,
        *,
        event_id: str,
        subject: str,
        correlation_id: str,
        causation_id: str | None,
    ) -> None:
        envelope = make_envelope(
            event_id=event_id,
            source=SOURCE,
            event_type=payload.event_type(),
            subject=subject,
            time=self._clock.now(),
            data=payload.model_dump(mode="json"),
            correlation_id=correlation_id,
            causation_id=causation_id,
        )
        await self._outbox.add(envelope=envelope, topic=self._topics.session_events)


def booked_start(request: SessionRequest, assignments: list[Document]) -> datetime:
    """When the session takes place: a meeting's start is the one matching chose."""
    return min((doc["starts_at"] for doc in assignments), default=request.starts_at)
