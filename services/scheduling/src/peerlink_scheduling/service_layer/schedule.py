"""What coordinators and supporters read and set outside staffing: a session as booked, a
centre's schedule, a supporter's bookings, exclusions and availability."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from peerlink_scheduling.domain.availability import Availability
from peerlink_scheduling.domain.bookings import Assignment
from peerlink_scheduling.domain.matching import SessionRequest
from peerlink_scheduling.service_layer.ports import Ports
from peerlink_scheduling.service_layer.staffing import reported_unfilled_reason


class NoSuchSession(LookupError):
    """No session of that id at that centre."""


@dataclass(frozen=True)
class BookedSession:
    request: SessionRequest
    assignments: tuple[Assignment, ...]
    unfilled_reason: Literal["no_eligible_supporters", "no_free_supporters"] | None


class Schedule:
    def __init__(self, ports: Ports) -> None:
        self._ports = ports

    async def booked(self, request: SessionRequest) -> BookedSession:
        return BookedSession(
            request=request,
            assignments=tuple(await self._ports.sessions.assignments_of(request.session_id)),
            unfilled_reason=reported_unfilled_reason(
                await self._ports.sessions.staffing_reported(request.session_id)
            ),
        )

    async def session_at(self, centre_id: str, session_id: str) -> SessionRequest:
        request = await self._ports.sessions.session(session_id)
        if request is None or request.centre_id != centre_id:
            raise NoSuchSession(session_id)
        return request

    async def upcoming(self, centre_id: str) -> list[BookedSession]:
        sessions = await self._ports.sessions.upcoming_sessions(
            centre_id, after=self._ports.clock.now()
        )
        return [await self.booked(session) for session in sessions]

    async def bookings_of(self, supporter_id: str) -> list[Assignment]:
        return await self._ports.sessions.bookings_for_supporter(supporter_id)

    async def set_exclusions(
        self, centre_id: str, resident_id: str, supporter_ids: list[str]
    ) -> None:
        """Supporters this resident must never be paired with at this centre."""
        await self._ports.supporters.set_exclusions(centre_id, resident_id, supporter_ids)

    async def set_availability(self, supporter_id: str, availability: Availability) -> None:
        await self._ports.supporters.set_availability(supporter_id, availability)
