"""Messages say where and when, never why; intake's coherence checks name the field."""

from __future__ import annotations

from datetime import UTC, date, datetime

from peerlink_intake.domain.checks import milestone_problems
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
