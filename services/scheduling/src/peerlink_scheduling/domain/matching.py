"""match(request, supporters, network): who fills a session's open slots, and when a
one-on-one meeting takes place.

Hard rules, never broken: eligible at that centre on the session's day; available then and
willing to travel there; no overlapping booking, with a travel buffer between different
centres; under the weekly cap; for a one-on-one, no stay overlapping the resident's at a
centre and not excluded for that resident. Preferences, in this order: graduates of that
centre, continuity with the resident, fewest bookings, shortest travel, then the id (so the
choice is deterministic).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Literal
from zoneinfo import ZoneInfo

from peerlink_scheduling.domain.availability import Availability
from peerlink_scheduling.domain.network import DISTANCE_RANK, Network
from peerlink_scheduling.domain.stays import Stay, stays_overlap

MEETING_STEP = timedelta(minutes=15)

SessionKind = Literal["group", "one_on_one"]


@dataclass(frozen=True)
class Booking:
    session_id: str
    centre_id: str
    starts_at: datetime
    ends_at: datetime

    def overlaps(self, other: Booking) -> bool:
        return self.starts_at < other.ends_at and other.starts_at < self.ends_at

    def too_close(self, other: Booking, network: Network) -> bool:
        """Overlapping, or without the time to travel between the two centres."""
        gap = network.buffer(self.centre_id, other.centre_id)
        return self.starts_at < other.ends_at + gap and other.starts_at < self.ends_at + gap


@dataclass(frozen=True)
class SessionRequest:
    """A group session at a fixed time, or (with a resident) a one-on-one meeting at any
    start from `starts_at` such that it ends by `window_ends_at`."""

    session_id: str
    centre_id: str
    starts_at: datetime
    duration: timedelta
    supporters_needed: int
    resident_id: str | None = None
    window_ends_at: datetime | None = None
    timezone: str = "UTC"  # the centre's, for "the session's day"

    @property
    def kind(self) -> SessionKind:
        return session_kind(self.resident_id)

    @property
    def duration_minutes(self) -> int:
        return minutes(self.duration)

    def at(self, starts_at: datetime) -> Booking:
        return Booking(self.session_id, self.centre_id, starts_at, starts_at + self.duration)

    @property
    def as_booking(self) -> Booking:
        return self.at(self.starts_at)

    def start_times(self) -> Iterator[datetime]:
        """Every start to try, earliest first: the one start of a group session, or each
        quarter hour of a meeting's window."""
        if self.window_ends_at is None:
            yield self.starts_at
            return
        start = self.starts_at
        while start + self.duration <= self.window_ends_at:
            yield start
            start += MEETING_STEP

    def day(self, starts_at: datetime) -> date:
        return local_day(starts_at, self.timezone)


def session_kind(resident_id: str | None) -> SessionKind:
    """A one-on-one meeting has a resident (kept, as "(erased)", when they are forgotten);
    a group session has none."""
    return "group" if resident_id is None else "one_on_one"


def minutes(duration: timedelta) -> int:
    return int(duration.total_seconds() // 60)


def local_day(moment: datetime, timezone: str) -> date:
    """The calendar day a moment falls on in that timezone."""
    return moment.astimezone(ZoneInfo(timezone)).date()


@dataclass(frozen=True)
class Supporter:
    supporter_id: str
    # Eligible at the session's centre from this day on (date.min: already).
    eligible_from: date = date.min
    bookings: tuple[Booking, ...] = ()
    availability: Availability | None = None  # None: nothing recorded, any time
    graduated_from: frozenset[str] = frozenset()
    stays: tuple[Stay, ...] = ()

    @cached_property
    def homes(self) -> frozenset[str]:
        if self.availability is not None and self.availability.home_centre is not None:
            return frozenset({self.availability.home_centre})
        return self.graduated_from


@dataclass(frozen=True)
class Resident:
    """Who a one-on-one is for: their stays, the supporters recorded as excluded for them,
    and those who met them before."""

    resident_id: str
    stays: tuple[Stay, ...] = ()
    excluded: frozenset[str] = frozenset()
    met_before: frozenset[str] = frozenset()


Rule = Literal[
    "not_eligible_then",
    "already_booked",
    "too_close_to_another_booking",
    "not_available",
    "does_not_travel_there",
    "weekly_cap_reached",
    "excluded_for_resident",
    "conflict_of_interest",
]


@dataclass(frozen=True)
class Choice:
    supporter_id: str
    starts_at: datetime
    why: str


@dataclass(frozen=True)
class Pool:
    """Everything matching needs to know besides the request."""

    supporters: tuple[Supporter, ...]
    network: Network = field(default_factory=Network)
    resident: Resident | None = None


def broken_rule(
    request: SessionRequest, starts_at: datetime, supporter: Supporter, pool: Pool
) -> Rule | None:
    """The first hard rule this supporter would break at that start, or None."""
    wanted = request.at(starts_at)
    if supporter.eligible_from > request.day(starts_at):
        return "not_eligible_then"
    if pool.resident is not None:
        if supporter.supporter_id in pool.resident.excluded:
            return "excluded_for_resident"
        if stays_overlap(supporter.stays, pool.resident.stays):
            return "conflict_of_interest"
    others = [b for b in supporter.bookings if b.session_id != request.session_id]
    if any(wanted.overlaps(booking) for booking in others):
        return "already_booked"
    if any(wanted.too_close(booking, pool.network) for booking in others):
        return "too_close_to_another_booking"
    limits = supporter.availability
    if limits is None:
        return None
    if not limits.serves(request.centre_id, pool.network.regions.get(request.centre_id)):
        return "does_not_travel_there"
    if not limits.covers(wanted.starts_at, wanted.ends_at):
        return "not_available"
    if not limits.under_cap(wanted.starts_at, (booking.starts_at for booking in others)):
        return "weekly_cap_reached"
    return None


Rank = tuple[int, int, int, int, str]


def ranking(request: SessionRequest, pool: Pool) -> Callable[[Supporter], Rank]:
    """The preference order for this request; smaller is better: graduate of the centre,
    met the resident, fewest bookings, shortest travel, then the id. Built once per request:
    it runs for every supporter in the pool."""
    centre = request.centre_id
    met = pool.resident.met_before if pool.resident is not None else frozenset()
    # Most supporters share a handful of home sets: each one's travel is worked out once.
    travel: dict[frozenset[str], int] = {}

    def distance(homes: frozenset[str]) -> int:
        return DISTANCE_RANK[pool.network.nearest(homes, centre)]

    def rank(supporter: Supporter) -> Rank:
        homes = supporter.homes
        far = travel.get(homes)
        if far is None:
            far = travel[homes] = distance(homes)
        return (
            0 if centre in supporter.graduated_from else 1,
            0 if supporter.supporter_id in met else 1,
            len(supporter.bookings),
            far,
            supporter.supporter_id,
        )

    return rank


def match(request: SessionRequest, *, assigned: Iterable[str], pool: Pool) -> list[Choice]:
    """Picks supporters for the open slots, best first, each at the earliest start that
    breaks no hard rule; only the best are checked, so a large pool stays cheap."""
    already = set(assigned)
    open_slots = request.supporters_needed - len(already)
    if open_slots <= 0:
        return []
    rank = ranking(request, pool)
    # A heap, not a sort: usually only the first few are ever looked at.
    queue = [(rank(s), n) for n, s in enumerate(pool.supporters) if s.supporter_id not in already]
    heapq.heapify(queue)
    chosen: list[Choice] = []
    seen: set[str] = set()
    while queue and len(chosen) < open_slots:
        _, n = heapq.heappop(queue)
        supporter = pool.supporters[n]
        if supporter.supporter_id in seen:
            continue
        seen.add(supporter.supporter_id)
        start = next(
            (
                at
                for at in request.start_times()
                if broken_rule(request, at, supporter, pool) is None
            ),
            None,
        )
        if start is not None:
            chosen.append(Choice(supporter.supporter_id, start, _why(request, supporter, pool)))
    return chosen


def _why(request: SessionRequest, supporter: Supporter, pool: Pool) -> str:
    reasons = [f"eligible at {request.centre_id}", "free and available"]
    if request.centre_id in supporter.graduated_from:
        reasons.append("graduate of this centre")
    if pool.resident is not None and supporter.supporter_id in pool.resident.met_before:
        reasons.append("has met this resident before")
    reasons.append(f"{len(supporter.bookings)} other bookings")
    reasons.append(f"travel: {pool.network.nearest(supporter.homes, request.centre_id)}")
    return ", ".join(reasons)


def unfilled_reason(
    eligible: Iterable[str], assigned: Iterable[str]
) -> Literal["no_eligible_supporters", "no_free_supporters"]:
    """Why slots stay open, about the pool, never about one person."""
    return "no_eligible_supporters" if not set(eligible) - set(assigned) else "no_free_supporters"
