"""match(request, candidates, bookings): which eligible supporters fill a session's open slots."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from peerlink_scheduling.domain.availability import Availability


@dataclass(frozen=True)
class Booking:
    session_id: str
    starts_at: datetime
    ends_at: datetime

    def overlaps(self, other: Booking) -> bool:
        return self.starts_at < other.ends_at and other.starts_at < self.ends_at


@dataclass(frozen=True)
class SessionRequest:
    session_id: str
    centre_id: str
    starts_at: datetime
    duration: timedelta
    supporters_needed: int

    @property
    def as_booking(self) -> Booking:
        return Booking(self.session_id, self.starts_at, self.starts_at + self.duration)


@dataclass(frozen=True)
class Choice:
    supporter_id: str
    why: str


def match(
    request: SessionRequest,
    *,
    candidates: Iterable[str],
    assigned: Iterable[str],
    bookings: Mapping[str, list[Booking]],
    availability: Mapping[str, Availability] | None = None,
) -> list[Choice]:
    """Picks supporters for the open slots: eligible, free at that time, available and under
    their weekly cap, serving this centre; least booked first, then by id (deterministic).

    A supporter with no availability recorded is taken as available at any time.
    """
    already = set(assigned)
    open_slots = request.supporters_needed - len(already)
    if open_slots <= 0:
        return []
    wanted = request.as_booking
    known = availability or {}

    def can_serve(supporter: str) -> bool:
        held = bookings.get(supporter, [])
        if any(wanted.overlaps(booking) for booking in held):
            return False
        limits = known.get(supporter)
        return limits is None or (
            limits.serves(request.centre_id)
            and limits.covers(wanted.starts_at, wanted.ends_at)
            and limits.under_cap(wanted.starts_at, (booking.starts_at for booking in held))
        )

    free = [supporter for supporter in sorted(set(candidates) - already) if can_serve(supporter)]
    ranked = sorted(free, key=lambda supporter: (len(bookings.get(supporter, [])), supporter))
    return [
        Choice(
            supporter,
            f"eligible at {request.centre_id}, free, "
            f"{len(bookings.get(supporter, []))} other bookings",
        )
        for supporter in ranked[:open_slots]
    ]


def unfilled_reason(
    candidates: Iterable[str], assigned: Iterable[str]
) -> Literal["no_eligible_supporters", "no_free_supporters"]:
    """Why slots stay open, about the pool, never about one person."""
    return "no_eligible_supporters" if not set(candidates) - set(assigned) else "no_free_supporters"
