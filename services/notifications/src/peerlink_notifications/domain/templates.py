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


def session_booked(*, centre: CentreView, starts_at: datetime) -> str:
    local = starts_at.astimezone(ZoneInfo(centre.timezone))
    return (
        f"You're booked for a session at {centre.display_name} on "
        f"{local:%A %d %B %Y} at {local:%H:%M}."
    )


def session_released(*, centre: CentreView, starts_at: datetime) -> str:
    local = starts_at.astimezone(ZoneInfo(centre.timezone))
    return (
        f"Your session at {centre.display_name} on {local:%A %d %B %Y} at {local:%H:%M} "
        "has been given to someone else. You don't need to attend."
    )
