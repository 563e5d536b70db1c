"""A coordinator requests a group session or a one-on-one meeting, or cancels one."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from peerlink_shared.contracts import MeetingRequested, SessionCancelled, SessionRequested
from peerlink_shared.messaging.envelope import derived_event_id
from peerlink_shared.messaging.publishing import Cause

from peerlink_scheduling.domain.bookings import booked_start
from peerlink_scheduling.domain.matching import SessionRequest
from peerlink_scheduling.service_layer.ports import Ports
from peerlink_scheduling.service_layer.releasing import free_slot
from peerlink_scheduling.service_layer.staffing import Staffing

log = structlog.get_logger("peerlink.scheduling")


@dataclass(frozen=True)
class RequestSession:
    centre_id: str
    starts_at: datetime
    duration: timedelta
    supporters_needed: int

    def as_request(self, *, timezone: str) -> SessionRequest:
        return SessionRequest(
            f"s-{secrets.token_hex(8)}",
            self.centre_id,
            self.starts_at,
            self.duration,
            self.supporters_needed,
            timezone=timezone,
        )


@dataclass(frozen=True)
class RequestMeeting:
    centre_id: str
    resident_id: str
    window_starts_at: datetime
    window_ends_at: datetime
    duration: timedelta

    def as_request(self, *, timezone: str) -> SessionRequest:
        """A one-on-one: one supporter, at a start matching chooses in the window."""
        return SessionRequest(
            f"m-{secrets.token_hex(8)}",
            self.centre_id,
            self.window_starts_at,
            self.duration,
            supporters_needed=1,
            resident_id=self.resident_id,
            window_ends_at=self.window_ends_at,
            timezone=timezone,
        )


class SessionRequests:
    def __init__(self, ports: Ports, *, staffing: Staffing) -> None:
        self._ports = ports
        self._staffing = staffing

    async def request_session(self, command: RequestSession, *, cause: Cause) -> SessionRequest:
        return await self._open(command, cause=cause)

    async def request_meeting(self, command: RequestMeeting, *, cause: Cause) -> SessionRequest:
        return await self._open(command, cause=cause)

    async def _open(
        self, command: RequestSession | RequestMeeting, *, cause: Cause
    ) -> SessionRequest:
        """A new session at the centre, on its timezone's days, requested and filled."""
        timezone = await self._ports.supporters.timezone_of(command.centre_id)
        request = command.as_request(timezone=timezone)
        await self.request(request, cause=cause)
        return request

    async def request(self, request: SessionRequest, *, cause: Cause) -> None:
        """Announces the request, stores it and fills it (a retry re-announces the same id)."""
        await self._ports.events.publish(
            _requested(request),
            subject=request.session_id,
            cause=cause,
            event_id=derived_event_id("session-requested", request.session_id),
        )
        await self._ports.sessions.add_session(request, at=self._ports.clock.now())
        await self._staffing.fill(request, correlation_id=cause.correlation_id)

    async def cancel(self, request: SessionRequest, *, cause: Cause) -> list[str]:
        """Cancels a session: publishes it, releases everyone booked; returns who was."""
        held = await self._ports.sessions.assignments_of(request.session_id)
        supporters = tuple(a.supporter_id for a in held)
        payload = SessionCancelled(
            session_id=request.session_id,
            centre_id=request.centre_id,
            starts_at=booked_start(request, held),
            supporter_ids=supporters,
        )
        # Outbox first, then the state: a retry re-records the same cancellation.
        await self._ports.events.publish(
            payload,
            subject=request.session_id,
            cause=cause,
            event_id=derived_event_id("cancelled", request.session_id),
        )
        await self._ports.sessions.cancel_session(request.session_id, at=self._ports.clock.now())
        for assignment in held:
            await free_slot(assignment, sessions=self._ports.sessions)
        log.info("session_cancelled", session=request.session_id, released=len(supporters))
        return list(supporters)


def _requested(request: SessionRequest) -> SessionRequested | MeetingRequested:
    match request.kind:
        case "one_on_one":
            if request.window_ends_at is None:
                raise ValueError(f"meeting {request.session_id} has no window")
            return MeetingRequested(
                session_id=request.session_id,
                centre_id=request.centre_id,
                window_starts_at=request.starts_at,
                window_ends_at=request.window_ends_at,
                duration_minutes=request.duration_minutes,
            )
        case "group":
            return SessionRequested(
                session_id=request.session_id,
                centre_id=request.centre_id,
                starts_at=request.starts_at,
                duration_minutes=request.duration_minutes,
                supporters_needed=request.supporters_needed,
            )
