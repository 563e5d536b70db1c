"""Messages say where and when, never why; intake's coherence checks name the field."""

from __future__ import annotations

from datetime import UTC, date, datetime

from peerlink_intake.domain.checks import latest_local_date, milestone_problems, not_in_future
from peerlink_notifications.domain.templates import CentreView, session_booked, session_released

FORBIDDEN = ("relapse", "eligib", "sober", "treatment", "rehab", "addiction", "qualif")


def test_booking_text_is_local_time_and_says_nothing_clinical() -> None:
    centre = CentreView("north", "Harbour House", "Europe/Dublin")
    text = session_booked(centre=centre, starts_at=datetime(2026, 7, 1, 9, 0, tzinfo=UTC))
    assert (
        text == "You're booked for a session at Harbour House on Wednesday 01 July 2026 at 10:00."
    )
    assert not any(word in text.lower() for word in FORBIDDEN)


def test_a_milestone_must_add_up() -> None:
    problems = milestone_problems(
        sober_since=date(2025, 1, 1), days=10, recorded_on=date(2025, 1, 12), today=date(2026, 1, 1)
    )
    assert [problem.field for problem in problems] == ["days"]


def test_a_milestone_cannot_be_in_the_future() -> None:
    problems = milestone_problems(
        sober_since=date(2025, 1, 1), days=365, recorded_on=date(2026, 1, 1), today=date(2025, 6, 1)
    )
    assert [problem.field for problem in problems] == ["recorded_on"]


def test_a_released_session_says_nothing_of_why() -> None:
    centre = CentreView("north", "Harbour House", "UTC")
    text = session_released(centre=centre, starts_at=datetime(2026, 7, 1, 9, 0, tzinfo=UTC))
    assert "Harbour House" in text
    assert "01 July 2026 at 09:00" in text
    assert not any(word in text.lower() for word in FORBIDDEN)


def test_a_fact_dated_today_in_the_earliest_timezone_is_not_in_the_future() -> None:
    # 11:00 UTC on 1 June is already 2 June in Kiritimati (UTC+14), not yet 3 June anywhere.
    now = datetime(2026, 6, 1, 11, 0, tzinfo=UTC)
    assert latest_local_date(now) == date(2026, 6, 2)
    assert not_in_future("checked_on", date(2026, 6, 2), latest_local_date(now)) == []
    assert not_in_future("checked_on", date(2026, 6, 3), latest_local_date(now)) != []
