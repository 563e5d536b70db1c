"""Coherence checks on facts before they are recorded; each failure names the field."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta


@dataclass(frozen=True)
class FactProblem:
    field: str
    message: str


# Facts are dated in the centre's local calendar; the earliest timezone is UTC+14. A date
# is "in the future" only if it has not begun anywhere yet.
EARLIEST_OFFSET = timedelta(hours=14)


def latest_local_date(now: datetime) -> date:
    """The latest calendar date any centre can be living in at this instant."""
    return (now.astimezone(UTC) + EARLIEST_OFFSET).date()


def not_in_future(field: str, value: date, today: date) -> list[FactProblem]:
    if value > today:
        return [FactProblem(field, "must not be in the future")]
    return []


def milestone_problems(
    *, sober_since: date, days: int, recorded_on: date, today: date
) -> list[FactProblem]:
    problems = not_in_future("sober_since", sober_since, today)
    problems += not_in_future("recorded_on", recorded_on, today)
    if (recorded_on - sober_since).days != days:
        problems.append(FactProblem("days", "must equal the days from sober_since to recorded_on"))
    return problems


def validity_problems(
    *, start_field: str, start: date, expires_on: date, today: date
) -> list[FactProblem]:
    problems = not_in_future(start_field, start, today)
    if expires_on <= start:
        problems.append(FactProblem("expires_on", f"must be after {start_field}"))
    return problems
