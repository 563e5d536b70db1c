"""The shapes of scheduling's HTTP requests and answers, with their validation."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from peerlink_shared.contracts.base import OPAQUE_ID_PATTERN
from peerlink_shared.contracts.fields import (
    OpaqueId,
    RegionName,
)
from peerlink_shared.web.inputs import (
    NUMBER_ONLY,
    IsoDate,
    IsoDateTime,
    LocalTime,
    TimeZoneName,
    WholeNumber,
)
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from peerlink_scheduling.domain.availability import Availability, Window


class SessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    starts_at: IsoDateTime = Field(description="With its UTC offset; in the future.")
    duration_minutes: WholeNumber = Field(ge=15, le=480)
    supporters_needed: WholeNumber = Field(default=1, ge=1, le=20)


class AssignmentOut(BaseModel):
    slot: int
    supporter_id: str
    starts_at: AwareDatetime
    why: str
    trace_id: str | None = Field(
        default=None,
        description="The trace of the flow that made this assignment, when traces are "
        "exported (docs/observability.md): to open it in the trace viewer.",
    )


class SessionOut(BaseModel):
    session_id: str
    centre_id: str
    kind: Literal["group", "one_on_one"]
    starts_at: AwareDatetime = Field(description="A meeting's: its window's start.")
    window_ends_at: AwareDatetime | None = None
    resident_id: str | None = None
    duration_minutes: int
    supporters_needed: int
    assignments: list[AssignmentOut]
    unfilled_reason: Literal["no_eligible_supporters", "no_free_supporters"] | None = Field(
        default=None,
        description="Why slots are open, as last reported: about the pool, never one person.",
    )


class MeetingIn(BaseModel):
    """A one-on-one with a resident: matching picks a supporter and a start in the window."""

    model_config = ConfigDict(extra="forbid")

    resident_id: str = Field(pattern=OPAQUE_ID_PATTERN)
    window_starts_at: IsoDateTime = Field(description="In the future.")
    window_ends_at: IsoDateTime = Field(
        description="At least the meeting's length after the start, at most 14 days."
    )
    duration_minutes: WholeNumber = Field(default=60, ge=15, le=240)

    @model_validator(mode="after")
    def window_fits(self) -> MeetingIn:
        if self.window_ends_at - self.window_starts_at < timedelta(minutes=self.duration_minutes):
            # Our own words, so the 422 may say them (value_error texts are withheld).
            raise PydanticCustomError("invalid_window", "the window is shorter than the meeting")
        if self.window_ends_at - self.window_starts_at > timedelta(days=14):
            raise PydanticCustomError("invalid_window", "the window may be at most 14 days long")
        return self


class ExclusionsIn(BaseModel):
    """Supporters who must never meet this resident (replaces the list)."""

    model_config = ConfigDict(extra="forbid")

    supporter_ids: list[OpaqueId] = Field(max_length=500)


class WindowIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: LocalTime
    end: LocalTime = Field(description="After `start`.", examples=["21:00"])

    @model_validator(mode="after")
    def ends_after_start(self) -> WindowIn:
        if self.end <= self.start:
            raise PydanticCustomError("invalid_window", "end must be after start")
        return self


class WeeklyWindowIn(WindowIn):
    weekday: WholeNumber = Field(ge=0, le=6, description="0 = Monday … 6 = Sunday")


class ExceptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: IsoDate
    windows: list[WindowIn] = Field(default=[], max_length=24, description="Empty: away all day.")


class AvailabilityIn(BaseModel):
    """When and where the supporter will serve, in their own timezone."""

    model_config = ConfigDict(extra="forbid")

    timezone: TimeZoneName
    weekly: list[WeeklyWindowIn] = Field(max_length=70)
    exceptions: list[ExceptionIn] = Field(default=[], max_length=366)
    max_sessions_per_week: Annotated[int, Field(ge=0, le=50), NUMBER_ONLY] | None = None
    centres: list[Annotated[str, Field(pattern=OPAQUE_ID_PATTERN)]] | None = Field(
        default=None, description="Centres they will travel to.", max_length=200
    )
    regions: list[RegionName] | None = Field(
        default=None,
        description="Regions they will travel anywhere in; with `centres` both null: anywhere.",
        max_length=50,
    )
    home_centre: OpaqueId | None = Field(
        default=None,
        description="Where their travel is measured from; default: the centres they graduated.",
    )

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
            regions=frozenset(self.regions) if self.regions is not None else None,
            home_centre=self.home_centre,
        )


class BookingOut(BaseModel):
    session_id: str
    centre_id: str
    starts_at: AwareDatetime
    duration_minutes: int
