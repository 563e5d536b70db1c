"""Scheduling's HTTP API: coordinators request sessions and read their schedule; supporters
read their own bookings."""

from __future__ import annotations

import datetime as dt
import secrets
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, HTTPException, status
from peerlink_shared.auth import Role
from peerlink_shared.clock import Clock
from peerlink_shared.envelope import new_event_id
from peerlink_shared.http import Caller, CentreId, PersonId, SessionId, authorize
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from peerlink_scheduling.adapters.repository import SchedulingRepository
from peerlink_scheduling.domain.availability import Availability, Window
from peerlink_scheduling.domain.matching import SessionRequest
from peerlink_scheduling.handlers import SchedulingHandlers


class SessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    starts_at: AwareDatetime = Field(description="With its UTC offset.")
    duration_minutes: int = Field(ge=15, le=480)
    supporters_needed: int = Field(default=1, ge=1, le=20)


class AssignmentOut(BaseModel):
    slot: int
    supporter_id: str
    why: str


class SessionOut(BaseModel):
    session_id: str
    centre_id: str
    starts_at: AwareDatetime
    duration_minutes: int
    supporters_needed: int
    assignments: list[AssignmentOut]


class WindowIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: dt.time = Field(examples=["17:00"])
    end: dt.time = Field(examples=["21:00"])

    @model_validator(mode="after")
    def ends_after_start(self) -> WindowIn:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class WeeklyWindowIn(WindowIn):
    weekday: int = Field(ge=0, le=6, description="0 = Monday … 6 = Sunday")


class ExceptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: dt.date
    windows: list[WindowIn] = Field(default=[], description="Empty: away all day.")


class AvailabilityIn(BaseModel):
    """When and where the supporter will serve, in their own timezone."""

    model_config = ConfigDict(extra="forbid")

    timezone: str = Field(examples=["Europe/Dublin"])
    weekly: list[WeeklyWindowIn] = Field(max_length=70)
    exceptions: list[ExceptionIn] = Field(default=[], max_length=366)
    max_sessions_per_week: int | None = Field(default=None, ge=0, le=50)
    centres: list[str] | None = Field(
        default=None, description="Centres they will travel to; null: any.", max_length=200
    )

    @field_validator("timezone")
    @classmethod
    def known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError("not an IANA time zone") from error
        return value

    def to_domain(self) -> Availability:
        weekly: dict[int, tuple[Window, ...]] = {}
        for window in self.weekly:
            weekly[window.weekday] = (
                *weekly.get(window.weekday, ()),
                Window(window.start, window.end),
            )
        return Availability(
            timezone=self.timezone,
            weekly=weekly,
            exceptions={
                item.date: tuple(Window(w.start, w.end) for w in item.windows)
                for item in self.exceptions
            },
            max_sessions_per_week=self.max_sessions_per_week,
            centres=frozenset(self.centres) if self.centres is not None else None,
        )


class BookingOut(BaseModel):
    session_id: str
    centre_id: str
    starts_at: AwareDatetime
    duration_minutes: int


def scheduling_router(
    *,
    handlers: SchedulingHandlers,
    repository: SchedulingRepository,
    clock: Clock,
) -> APIRouter:
    router = APIRouter(tags=["scheduling"])

    async def session_out(request: SessionRequest) -> SessionOut:
        assignments = await repository.assignments_of(request.session_id)
        return SessionOut(
            session_id=request.session_id,
            centre_id=request.centre_id,
            starts_at=request.starts_at,
            duration_minutes=int(request.duration.total_seconds() // 60),
            supporters_needed=request.supporters_needed,
            assignments=[
                AssignmentOut(slot=doc["slot"], supporter_id=doc["supporter_id"], why=doc["why"])
                for doc in assignments
            ],
        )

    @router.post(
        "/centres/{centre_id}/sessions",
        status_code=status.HTTP_201_CREATED,
        response_model=SessionOut,
    )
    async def request_session(centre_id: CentreId, body: SessionIn, caller: Caller) -> SessionOut:
        authorize(caller, centre_id=centre_id, roles={Role.COORDINATOR, Role.OPS})
        if body.starts_at <= clock.now():
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                [
                    {
                        "loc": ["body", "starts_at"],
                        "msg": "must be in the future",
                        "type": "value_error",
                    }
                ],
            )
        request = SessionRequest(
            session_id=f"s-{secrets.token_hex(8)}",
            centre_id=centre_id,
            starts_at=body.starts_at,
            duration=timedelta(minutes=body.duration_minutes),
            supporters_needed=body.supporters_needed,
        )
        await handlers.request_session(request, correlation_id=new_event_id())
        return await session_out(request)

    @router.delete(
        "/centres/{centre_id}/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT
    )
    async def cancel_session(centre_id: CentreId, session_id: SessionId, caller: Caller) -> None:
        """Cancels a session; everyone booked is released and told."""
        authorize(caller, centre_id=centre_id, roles={Role.COORDINATOR, Role.OPS})
        request = await repository.session(session_id)
        if request is None or request.centre_id != centre_id:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such session at this centre")
        await handlers.cancel(request, correlation_id=new_event_id())

    @router.get("/centres/{centre_id}/sessions", response_model=list[SessionOut])
    async def centre_schedule(centre_id: CentreId, caller: Caller) -> list[SessionOut]:
        authorize(caller, centre_id=centre_id, roles={Role.COORDINATOR, Role.OPS})
        sessions = await repository.upcoming_sessions(centre_id, after=clock.now())
        return [await session_out(session) for session in sessions]

    @router.put("/supporters/{person_id}/availability", status_code=status.HTTP_204_NO_CONTENT)
    async def set_availability(person_id: PersonId, body: AvailabilityIn, caller: Caller) -> None:
        """The supporter's own availability (or ops on their behalf)."""
        if not (
            caller.role is Role.OPS
            or (caller.role is Role.SUPPORTER and caller.subject == person_id)
        ):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, "supporters set only their own availability"
            )
        await repository.set_availability(person_id, body.to_domain())

    @router.get("/supporters/{person_id}/bookings", response_model=list[BookingOut])
    async def own_bookings(person_id: PersonId, caller: Caller) -> list[BookingOut]:
        if not (
            caller.role is Role.OPS
            or (caller.role is Role.SUPPORTER and caller.subject == person_id)
        ):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, "supporters may read only their own bookings"
            )
        return [
            BookingOut(
                session_id=doc["session_id"],
                centre_id=doc["centre_id"],
                starts_at=doc["starts_at"],
                duration_minutes=doc["duration_minutes"],
            )
            for doc in await repository.bookings_for_supporter(person_id)
        ]

    return router
