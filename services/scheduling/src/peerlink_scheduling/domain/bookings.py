"""What scheduling has booked and whom it may book: an assignment of a supporter to a session's
slot, and a candidate for a centre's sessions (who may serve there, from when, their
availability and stays)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from peerlink_scheduling.domain.availability import Availability
from peerlink_scheduling.domain.matching import Booking, SessionRequest, Supporter, minutes
from peerlink_scheduling.domain.stays import Admitted, Left, graduated_from, stays_from


@dataclass(frozen=True)
class Assignment:
    """A supporter in one slot of a session. `slot_id` (`<session>-<slot>`) is what makes a slot
    taken; `assignment_id` fixes the ids of this assignment's events across retries."""

    slot_id: str
    assignment_id: str
    session_id: str
    centre_id: str
    slot: int
    supporter_id: str
    resident_id: str | None
    starts_at: datetime
    duration: timedelta
    why: str
    announced: bool
    trace_id: str | None = None

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + self.duration

    @property
    def booking(self) -> Booking:
        return Booking(self.session_id, self.centre_id, self.starts_at, self.ends_at)

    @property
    def duration_minutes(self) -> int:
        return minutes(self.duration)


def booked_start(request: SessionRequest, assignments: Sequence[Assignment]) -> datetime:
    """When the session takes place: a meeting's start is the one matching chose."""
    return min((a.starts_at for a in assignments), default=request.starts_at)


@dataclass(frozen=True)
class Candidate:
    """Someone who may serve at a centre, with what matching weighs them on (their bookings
    are read apart: they live with the sessions)."""

    supporter_id: str
    eligible_from: date  # date.min: already
    availability: Availability | None = None
    admissions: tuple[Admitted, ...] = ()
    leavings: tuple[Left, ...] = ()

    def supporter(self, bookings: Mapping[str, Sequence[Booking]]) -> Supporter:
        return Supporter(
            supporter_id=self.supporter_id,
            eligible_from=self.eligible_from,
            bookings=tuple(bookings.get(self.supporter_id, ())),
            availability=self.availability,
            graduated_from=graduated_from(self.leavings),
            stays=stays_from(self.admissions, self.leavings),
        )
