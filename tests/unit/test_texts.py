"""Messages say where and when, never why; intake's coherence checks name the field."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import get_args

import pytest
from peerlink_intake.domain.checks import latest_local_date, milestone_problems, not_in_future
from peerlink_notifications.domain.languages import WORDS, Locale
from peerlink_notifications.domain.templates import (
    CentreView,
    Message,
    SessionBooked,
    SessionCancelled,
    SessionReleased,
    SessionStaffed,
    SessionUnfilled,
    render,
    resolve_locale,
)

FORBIDDEN = (
    "relapse",
    "eligib",
    "sober",
    "treatment",
    "rehab",
    "addiction",
    "qualif",
    # and in Spanish
    "recaída",
    "elegib",
    "sobriedad",
    "tratamiento",
    "adicción",
)


def test_booking_text_is_local_time_and_says_nothing_clinical() -> None:
    centre = CentreView("north", "Harbour House", "Europe/Dublin")
    text = render(SessionBooked(centre, datetime(2026, 7, 1, 9, 0, tzinfo=UTC))).text
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
    text = render(SessionReleased(centre, datetime(2026, 7, 1, 9, 0, tzinfo=UTC))).text
    assert "Harbour House" in text
    assert "01 July 2026 at 09:00" in text
    assert not any(word in text.lower() for word in FORBIDDEN)


def test_a_fact_dated_today_in_the_earliest_timezone_is_not_in_the_future() -> None:
    # 11:00 UTC on 1 June is already 2 June in Kiritimati (UTC+14), not yet 3 June anywhere.
    now = datetime(2026, 6, 1, 11, 0, tzinfo=UTC)
    assert latest_local_date(now) == date(2026, 6, 2)
    assert not_in_future("checked_on", date(2026, 6, 2), latest_local_date(now)) == []
    assert not_in_future("checked_on", date(2026, 6, 3), latest_local_date(now)) != []


DUBLIN = CentreView("north", "Harbour House", "Europe/Dublin")
STARTS = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("message", "locale", "text"),
    [
        (
            SessionBooked(DUBLIN, STARTS),
            "es",
            "Tienes una sesión reservada en Harbour House el miércoles 1 de julio de 2026 "
            "a las 10:00.",
        ),
        (
            SessionReleased(DUBLIN, STARTS),
            "es",
            "Tu sesión en Harbour House el miércoles 1 de julio de 2026 a las 10:00 se ha "
            "asignado a otra persona. No necesitas asistir.",
        ),
        (
            SessionCancelled(DUBLIN, STARTS),
            "en",
            "Your session at Harbour House on Wednesday 01 July 2026 at 10:00 has been "
            "cancelled. You don't need to attend.",
        ),
        (
            SessionCancelled(DUBLIN, STARTS),
            "es",
            "Tu sesión en Harbour House el miércoles 1 de julio de 2026 a las 10:00 se ha "
            "cancelado. No necesitas asistir.",
        ),
        (
            SessionUnfilled(DUBLIN, STARTS, 1, "no_eligible_supporters"),
            "en",
            "The session at Harbour House on Wednesday 01 July 2026 at 10:00 still needs "
            "1 supporter: no peer supporter can serve at this centre yet.",
        ),
        (
            SessionUnfilled(DUBLIN, STARTS, 3, "no_free_supporters"),
            "es",
            "La sesión en Harbour House el miércoles 1 de julio de 2026 a las 10:00 aún "
            "necesita 3 personas de apoyo: todas las personas de apoyo que pueden atender "
            "están reservadas, ausentes o en su límite semanal.",
        ),
        (
            SessionStaffed(DUBLIN, STARTS, new_supporter=True),
            "en",
            "The session at Harbour House on Wednesday 01 July 2026 at 10:00 has a new "
            "supporter and is fully staffed.",
        ),
        (
            SessionStaffed(DUBLIN, STARTS, new_supporter=False),
            "es",
            "La sesión en Harbour House el miércoles 1 de julio de 2026 a las 10:00 ya está "
            "completa.",
        ),
    ],
)
def test_texts_per_locale(message: Message, locale: Locale, text: str) -> None:
    assert render(message, locale).text == text


@pytest.mark.parametrize(
    ("requested", "locale"),
    [("en", "en"), ("en-GB", "en"), ("es", "es"), ("es-MX", "es"), ("fr", "en"), (None, "en")],
)
def test_an_unsupported_language_reads_english(requested: str | None, locale: Locale) -> None:
    assert resolve_locale(requested) == locale


ALL_MESSAGES: list[Message] = [
    SessionBooked(DUBLIN, STARTS),
    SessionReleased(DUBLIN, STARTS),
    SessionCancelled(DUBLIN, STARTS),
    SessionUnfilled(DUBLIN, STARTS, 2, "no_eligible_supporters"),
    SessionUnfilled(DUBLIN, STARTS, 2, "no_free_supporters"),
    SessionUnfilled(DUBLIN, STARTS, 2, "a_code_added_later"),
    SessionStaffed(DUBLIN, STARTS, new_supporter=True),
    SessionStaffed(DUBLIN, STARTS, new_supporter=False),
]


@pytest.mark.parametrize("locale", ["en", "es"])
@pytest.mark.parametrize("message", ALL_MESSAGES)
def test_no_text_or_subject_says_anything_clinical(message: Message, locale: Locale) -> None:
    rendered = render(message, locale)
    assert rendered.locale == locale
    for words in (rendered.subject.lower(), rendered.text.lower()):
        assert not any(word in words for word in FORBIDDEN), words
    assert "Harbour House" in rendered.text


def test_every_language_has_its_table_of_texts() -> None:
    assert set(WORDS) == set(get_args(Locale))
