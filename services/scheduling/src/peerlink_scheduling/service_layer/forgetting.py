"""Forgetting a person in scheduling: they can no longer be chosen, their future sessions are
released and staffed again by the normal path, meetings for them as a resident are
cancelled, and then nothing about them is left (past bookings included)."""

from __future__ import annotations

from datetime import datetime

from peerlink_shared.publishing import Cause

from peerlink_scheduling.service_layer.ports import Ports
from peerlink_scheduling.service_layer.releasing import unassign
from peerlink_scheduling.service_layer.requests import SessionRequests
from peerlink_scheduling.service_layer.staffing import Staffing


class Forgetting:
    def __init__(self, ports: Ports, *, staffing: Staffing, requests: SessionRequests) -> None:
        self._ports = ports
        self._staffing = staffing
        self._requests = requests

    async def erase_person(
        self, person_id: str, *, now: datetime, correlation_id: str
    ) -> dict[str, int]:
        # Not choosable from here on, before any slot of theirs is freed and filled again.
        counts = await self._ports.supporters.forget_supporter(person_id)
        cause = Cause(correlation_id)
        centres = await self._release_future(person_id, now, cause=cause)
        counts["meetings_cancelled"] = 0
        for meeting in await self._ports.sessions.upcoming_meetings_of(person_id, after=now):
            await self._requests.cancel(meeting, cause=cause)
            counts["meetings_cancelled"] += 1
        for centre_id in sorted(centres):
            for session in await self._ports.sessions.upcoming_sessions(centre_id, after=now):
                await self._staffing.fill(session, correlation_id=correlation_id)
        counts |= await self._ports.sessions.forget_bookings(person_id)
        counts |= await self._ports.supporters.forget_exclusions(person_id)
        return counts

    async def _release_future(self, person_id: str, now: datetime, *, cause: Cause) -> set[str]:
        """Takes the person off every future session, as a relapse would (the same events,
        under the same ids); returns the centres whose sessions lost them."""
        released = await self._ports.sessions.future_assignments_anywhere(person_id, after=now)
        for assignment in released:
            await unassign(
                assignment, sessions=self._ports.sessions, events=self._ports.events, cause=cause
            )
        return {assignment.centre_id for assignment in released}
