"""Scheduling's HTTP API: coordinators request sessions and read their schedule; supporters
read their own bookings."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, HTTPException, status
from peerlink_shared.auth import Role
from peerlink_shared.clock import Clock
from peerlink_shared.http import (
    Caller,
    CentreId,
    PersonId,
    SessionId,
    authorize,
    authorize_self,
)
from peerlink_shared.http_errors import refusals, unprocessable
from peerlink_shared.person_access import Audited, PersonCaller
from peerlink_shared.publishing import Cause

from peerlink_scheduling.entrypoints.schemas import (
    AssignmentOut,
    AvailabilityIn,
    BookingOut,
    ExclusionsIn,
    MeetingIn,
    SessionIn,
    SessionOut,
)
from peerlink_scheduling.service_layer.requests import (
    RequestMeeting,
    RequestSession,
    SessionRequests,
)
from peerlink_scheduling.service_layer.schedule import BookedSession, NoSuchSession, Schedule

IN_THE_PAST = refusals(422, _422="Invalid input, or a start that is not in the future.")


def _in_the_future(field: str, value: datetime, clock: Clock) -> None:
    if value <= clock.now():
        raise unprocessable((field, "must be in the future", "not_in_future"))


def _resident(resident_id: str | None) -> list[str]:
    return [] if resident_id is None else [resident_id]


def session_out(booked: BookedSession) -> SessionOut:
    request = booked.request
    return SessionOut(
        session_id=request.session_id,
        centre_id=request.centre_id,
        kind=request.kind,
        starts_at=request.starts_at,
        window_ends_at=request.window_ends_at,
        resident_id=request.resident_id,
        duration_minutes=request.duration_minutes,
        supporters_needed=request.supporters_needed,
        assignments=[
            AssignmentOut(
                slot=assignment.slot,
                supporter_id=assignment.supporter_id,
                starts_at=assignment.starts_at,
                why=assignment.why,
                trace_id=assignment.trace_id,
            )
            for assignment in booked.assignments
        ],
        unfilled_reason=booked.unfilled_reason,
    )


def scheduling_router(
    *,
    requests: SessionRequests,
    schedule: Schedule,
    clock: Clock,
) -> APIRouter:
    router = APIRouter(tags=["scheduling"])

    @router.post(
        "/centres/{centre_id}/sessions",
        status_code=status.HTTP_201_CREATED,
        response_model=SessionOut,
        responses=IN_THE_PAST,
    )
    async def request_session(centre_id: CentreId, body: SessionIn, caller: Caller) -> SessionOut:
        authorize(caller, centre_id=centre_id, roles={Role.COORDINATOR, Role.OPS})
        _in_the_future("starts_at", body.starts_at, clock)
        command = RequestSession(
            centre_id=centre_id,
            starts_at=body.starts_at,
            duration=timedelta(minutes=body.duration_minutes),
            supporters_needed=body.supporters_needed,
        )
        request = await requests.request_session(command, cause=Cause.first())
        return session_out(await schedule.booked(request))

    @router.post(
        "/centres/{centre_id}/meetings",
        status_code=status.HTTP_201_CREATED,
        response_model=SessionOut,
        responses=refusals(
            422,
            _422="Invalid input, a window that does not start in the future, or one shorter "
            "than the meeting or longer than 14 days.",
        ),
    )
    async def request_meeting(
        centre_id: CentreId, body: MeetingIn, caller: PersonCaller, audited: Audited
    ) -> SessionOut:
        """A one-on-one: a supporter with no conflict of interest, at a start in the window."""
        audited.names(body.resident_id)
        authorize(caller, centre_id=centre_id, roles={Role.COORDINATOR, Role.OPS})
        _in_the_future("window_starts_at", body.window_starts_at, clock)
        command = RequestMeeting(
            centre_id=centre_id,
            resident_id=body.resident_id,
            window_starts_at=body.window_starts_at,
            window_ends_at=body.window_ends_at,
            duration=timedelta(minutes=body.duration_minutes),
        )
        request = await requests.request_meeting(command, cause=Cause.first())
        return session_out(await schedule.booked(request))

    @router.put(
        "/centres/{centre_id}/residents/{person_id}/exclusions",
        status_code=status.HTTP_204_NO_CONTENT,
    )
    async def set_exclusions(
        centre_id: CentreId,
        person_id: PersonId,
        body: ExclusionsIn,
        caller: PersonCaller,
        audited: Audited,
    ) -> None:
        """Supporters this resident must never be paired with at this centre."""
        audited.names(*body.supporter_ids)
        authorize(caller, centre_id=centre_id, roles={Role.COORDINATOR, Role.OPS})
        await schedule.set_exclusions(centre_id, person_id, body.supporter_ids)

    @router.delete(
        "/centres/{centre_id}/sessions/{session_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        responses=refusals(404, _404="No such session at this centre."),
    )
    async def cancel_session(
        centre_id: CentreId, session_id: SessionId, caller: PersonCaller, audited: Audited
    ) -> None:
        """Cancels a session; everyone booked is released and told."""
        authorize(caller, centre_id=centre_id, roles={Role.COORDINATOR, Role.OPS})
        try:
            request = await schedule.session_at(centre_id, session_id)
        except NoSuchSession:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND, "no such session at this centre"
            ) from None
        released = await requests.cancel(request, cause=Cause.first())
        audited.names(*released, *_resident(request.resident_id))

    @router.get("/centres/{centre_id}/sessions", response_model=list[SessionOut])
    async def centre_schedule(
        centre_id: CentreId, caller: PersonCaller, audited: Audited
    ) -> list[SessionOut]:
        authorize(caller, centre_id=centre_id, roles={Role.COORDINATOR, Role.OPS})
        upcoming = [session_out(booked) for booked in await schedule.upcoming(centre_id)]
        for session in upcoming:
            audited.names(*_resident(session.resident_id))
            audited.names(*(assignment.supporter_id for assignment in session.assignments))
        return upcoming

    @router.put(
        "/supporters/{person_id}/availability",
        status_code=status.HTTP_204_NO_CONTENT,
        responses=refusals(
            422,
            _422="Invalid input, a window that does not end after it starts, or a time zone "
            "this server's zone database does not know.",
        ),
    )
    async def set_availability(
        person_id: PersonId, body: AvailabilityIn, caller: PersonCaller
    ) -> None:
        """The supporter's own availability (or ops on their behalf)."""
        authorize_self(caller, person_id=person_id)
        await schedule.set_availability(person_id, body.to_domain())

    @router.get("/supporters/{person_id}/bookings", response_model=list[BookingOut])
    async def own_bookings(person_id: PersonId, caller: PersonCaller) -> list[BookingOut]:
        authorize_self(caller, person_id=person_id)
        return [
            BookingOut(
                session_id=assignment.session_id,
                centre_id=assignment.centre_id,
                starts_at=assignment.starts_at,
                duration_minutes=assignment.duration_minutes,
            )
            for assignment in await schedule.bookings_of(person_id)
        ]

    return router
