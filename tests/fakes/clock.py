"""A clock a test sets and moves."""

from __future__ import annotations

from datetime import date, datetime, timedelta


class MovableClock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now

    def today(self) -> date:
        return self._now.date()

    def advance(self, by: timedelta) -> None:
        self._now += by
