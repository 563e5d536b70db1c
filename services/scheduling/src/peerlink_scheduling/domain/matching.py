"""match(request, candidates, bookings): which eligible supporters fill a session's open slots."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta


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
) -> list[Choice]:
    """Picks supporters for the open slots: free at that time, least booked first, then by id."""
    already = set(assigned)
    open_slots = request.supporters_needed - len(already)
    if open_slots <= 0:
        return []
    wanted = request.as_booking
    free = [
        supporter
        for supporter in sorted(set(candidates) - already)
        if not any(wanted.overlaps(booking) for booking in bookings.get(supporter, []))
    ]
    ranked = sorted(free, key=lambda supporter: (len(bookings.get(supporter, [])), supporter))
    return [
        Choice(
            supporter,
            f"eligible at {request.centre_id}, free, "
            f"{len(bookings.get(supporter, []))} other bookings",
        )
        for supporter in ranked[:open_slots]
    ]
