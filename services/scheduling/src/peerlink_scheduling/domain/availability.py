"""When and where a supporter will serve: weekly windows in their own timezone, dated
exceptions, a weekly cap and the centres they will travel to."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Window:
    start: time
    end: time

    def contains(self, start: time, end: time) -> bool:
        return self.start <= start and end <= self.end


@dataclass(frozen=True)
class Availability:
    timezone: str
    weekly: Mapping[int, tuple[Window, ...]] = field(default_factory=dict)  # 0 = Monday
    # A dated exception replaces that day's weekly windows; no windows = away all day.
    exceptions: Mapping[date, tuple[Window, ...]] = field(default_factory=dict)
    max_sessions_per_week: int | None = None
    # Where they will travel: the centres named, or any centre in the regions named; both
    # None: anywhere.
    centres: frozenset[str] | None = None
    regions: frozenset[str] | None = None
    home_centre: str | None = None  # where travel is measured from

    def covers(self, starts_at: datetime, ends_at: datetime) -> bool:
        """True if the whole session falls in one window of that local day."""
        zone = ZoneInfo(self.timezone)
        start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
        if start.date() != end.date() and end.time() != time(0):
            return False
        windows = self.exceptions.get(start.date(), self.weekly.get(start.weekday(), ()))
        finish = time.max if end.time() == time(0) else end.time()
        return any(window.contains(start.time(), finish) for window in windows)

    def week_of(self, moment: datetime) -> tuple[int, int]:
        iso = moment.astimezone(ZoneInfo(self.timezone)).isocalendar()
        return iso.year, iso.week

    def under_cap(self, starts_at: datetime, booked_starts: Iterable[datetime]) -> bool:
        if self.max_sessions_per_week is None:
            return True
        week = self.week_of(starts_at)
        booked = sum(1 for other in booked_starts if self.week_of(other) == week)
        return booked < self.max_sessions_per_week

    def serves(self, centre_id: str, region: str | None) -> bool:
        if self.centres is None and self.regions is None:
            return True
        return centre_id in (self.centres or ()) or (
            region is not None and region in (self.regions or ())
        )
