"""A clock a test sets and moves."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta


class MovableClock:
    """Stands at `now`; without it, runs with the wall clock. `advance` moves it on either way."""

    def __init__(self, now: datetime | None = None) -> None:
        self._start = now
        self._moved = timedelta()

    def now(self) -> datetime:
        start = datetime.now(UTC) if self._start is None else self._start
        return start + self._moved

    def today(self) -> date:
        return self.now().date()

    def advance(self, by: timedelta) -> None:
        self._moved += by
