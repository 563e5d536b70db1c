"""Message texts. They say where and when, never why: no treatment, relapse or eligibility."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class CentreView:
    centre_id: str
    display_name: str
    timezone: str


def _where_and_when(centre: CentreView, starts_at: datetime) -> str:
    """'at <centre> on <weekday date> at <hh:mm>', in the centre's own time."""
    local = starts_at.astimezone(ZoneInfo(centre.timezone))
    return f"at {centre.display_name} on {local:%A %d %B %Y} at {local:%H:%M}"


def session_booked(*, centre: CentreView, starts_at: datetime) -> str:
    return f"You're booked for a session {_where_and_when(centre, starts_at)}."


def session_released(*, centre: CentreView, starts_at: datetime) -> str:
    return (
        f"Your session {_where_and_when(centre, starts_at)} "
        "has been given to someone else. You don't need to attend."
    )


UNFILLED_BECAUSE = {
    "no_eligible_supporters": "no peer supporter can serve at this centre yet",
    "no_free_supporters": "every supporter who can serve is booked, away or at their weekly limit",
}


def session_unfilled(
    *, centre: CentreView, starts_at: datetime, open_slots: int, reason: str
) -> str:
    places = "1 supporter" if open_slots == 1 else f"{open_slots} supporters"
    because = UNFILLED_BECAUSE.get(reason, "no supporter could be found")
    return f"The session {_where_and_when(centre, starts_at)} still needs {places}: {because}."


def session_cancelled(*, centre: CentreView, starts_at: datetime) -> str:
    return (
        f"Your session {_where_and_when(centre, starts_at)} "
        "has been cancelled. You don't need to attend."
    )
