"""Forgetting a person in scheduling: they can no longer be chosen, their future sessions are
released and staffed again by the normal path, meetings for them as a resident are
cancelled, and then nothing about them is left (past bookings included)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Protocol

import structlog
from peerlink_shared.clock import Clock
from peerlink_shared.contracts import EligibilityChanged, SupporterUnassigned
from peerlink_shared.envelope import Envelope, derived_event_id
from peerlink_shared.erasure import ErasureLedger, skipped_for_erased_person
from peerlink_shared.outbox import Outbox
from peerlink_shared.topics import Topics

from peerlink_scheduling.adapters.repository import SchedulingRepository
from peerlink_scheduling.domain.matching import SessionRequest
from peerlink_scheduling.staffing import Staffing

log = structlog.get_logger("peerlink.scheduling")


class Cancel(Protocol):
    async def __call__(self, request: SessionRequest, *, correlation_id: str) -> list[str]: ...


class SchedulingErasure(Staffing):
    def __init__(
        self,
        *,
        repository: SchedulingRepository,
        outbox: Outbox,
        topics: Topics,
        clock: Clock,
        cancel: Cancel,
    ) -> None:
        super().__init__(repository=repository, outbox=outbox, topics=topics, clock=clock)
        self._cancel = cancel

    async def erase_person(
        self, person_id: str, *, now: datetime, correlation_id: str
    ) -> dict[str, int]:
        # Not choosable from here on, before any slot of theirs is freed and filled again.
        counts = await self._repository.forget_supporter(person_id)
        centres = await self._release_future(person_id, now, correlation_id=correlation_id)
        counts["meetings_cancelled"] = 0
        for meeting in await self._repository.upcoming_meetings_of(person_id, after=now):
            await self._cancel(meeting, correlation_id=correlation_id)
            counts["meetings_cancelled"] += 1
        for centre_id in sorted(centres):
            for session in await self._repository.upcoming_sessions(centre_id, after=now):
                await self.fill(session, correlation_id=correlation_id)
        counts |= await self._repository.forget_bookings(person_id)
        return counts

    async def _release_future(
        self, person_id: str, now: datetime, *, correlation_id: str
    ) -> set[str]:
        """Takes the person off every future session, as a relapse would (the same events,
        under the same ids); returns the centres whose sessions lost them."""
        centres: set[str] = set()
        for doc in await self._repository.future_assignments_anywhere(person_id, after=now):
            payload = SupporterUnassigned(
                session_id=doc["session_id"],
                centre_id=doc["centre_id"],
                supporter_id=person_id,
                slot=doc["slot"],
                starts_at=doc["starts_at"],
            )
            await self._publish(
                payload,
                event_id=derived_event_id("unassigned", doc["assignment_id"]),
                subject=doc["session_id"],
                correlation_id=correlation_id,
                causation_id=None,
            )
            await self._repository.release(doc["_id"])
            ends = doc["starts_at"] + timedelta(minutes=doc["duration_minutes"])
            await self._repository.free_time(person_id, doc["starts_at"], ends, token=None)
            centres.add(doc["centre_id"])
            log.info("supporter_unassigned", session=doc["session_id"], supporter=person_id)
        return centres


def unless_erased(
    ledger: ErasureLedger,
    handler: Callable[[Envelope, EligibilityChanged], Awaitable[None]],
) -> Callable[[Envelope, EligibilityChanged], Awaitable[None]]:
    """A change that could make an erased person choosable again (one still on its way when
    the erasure arrived) is counted and dropped; one that only takes them off changes
    nothing that matters and is handled as usual."""

    async def guarded(envelope: Envelope, change: EligibilityChanged) -> None:
        if could_book(change) and await ledger.is_erased(change.person_id):
            skipped_for_erased_person(envelope, person_id=change.person_id)
            return
        await handler(envelope, change)

    return guarded


def could_book(change: EligibilityChanged) -> bool:
    return change.eligible or change.eligible_from is not None
