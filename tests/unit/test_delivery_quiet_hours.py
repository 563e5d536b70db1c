"""Quiet hours: a delivery due inside them waits for their end, on the recipient's clock."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from peerlink_notifications.domain.contacts import QuietHours
from peerlink_notifications.domain.quiet_hours import defer_past_quiet_hours


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


NIGHT_DUBLIN = QuietHours(time(22, 0), time(7, 0), "Europe/Dublin")
LUNCH_UTC = QuietHours(time(13, 0), time(14, 0), "UTC")
NIGHT_NEW_YORK = QuietHours(time(22, 0), time(7, 0), "America/New_York")
# 2026-03-08 02:00 does not exist in New York; 2026-11-01 01:00-02:00 happens twice.
INTO_THE_GAP = QuietHours(time(1, 0), time(2, 30), "America/New_York")
IN_THE_REPEAT = QuietHours(time(1, 0), time(1, 30), "America/New_York")
NIGHT_KOLKATA = QuietHours(time(22, 0), time(6, 0), "Asia/Kolkata")


@pytest.mark.parametrize(
    ("quiet", "due", "expected"),
    [
        pytest.param(None, utc(2026, 1, 15, 3, 0), utc(2026, 1, 15, 3, 0), id="no quiet hours"),
        pytest.param(
            QuietHours(time(9, 0), time(9, 0), "UTC"),
            utc(2026, 1, 15, 9, 0),
            utc(2026, 1, 15, 9, 0),
            id="start equals end: never quiet",
        ),
        pytest.param(
            NIGHT_DUBLIN, utc(2026, 1, 15, 12, 0), utc(2026, 1, 15, 12, 0), id="midday: not quiet"
        ),
        pytest.param(
            NIGHT_DUBLIN,
            utc(2026, 1, 15, 23, 30),
            utc(2026, 1, 16, 7, 0),
            id="before midnight: waits for tomorrow morning",
        ),
        pytest.param(
            NIGHT_DUBLIN,
            utc(2026, 1, 16, 3, 0),
            utc(2026, 1, 16, 7, 0),
            id="after midnight: waits for this morning",
        ),
        pytest.param(
            NIGHT_DUBLIN, utc(2026, 1, 16, 7, 0), utc(2026, 1, 16, 7, 0), id="the end is not quiet"
        ),
        pytest.param(
            NIGHT_DUBLIN, utc(2026, 1, 15, 22, 0), utc(2026, 1, 16, 7, 0), id="the start is quiet"
        ),
        pytest.param(
            NIGHT_DUBLIN,
            utc(2026, 7, 1, 21, 30),
            utc(2026, 7, 2, 6, 0),
            id="summer time: 22:30 local is 21:30 UTC, 07:00 local is 06:00 UTC",
        ),
        pytest.param(
            NIGHT_DUBLIN,
            utc(2026, 7, 1, 20, 30),
            utc(2026, 7, 1, 20, 30),
            id="summer time: 21:30 local is not yet quiet",
        ),
        pytest.param(
            LUNCH_UTC, utc(2026, 1, 15, 13, 30), utc(2026, 1, 15, 14, 0), id="same-day window"
        ),
        pytest.param(
            LUNCH_UTC, utc(2026, 1, 15, 12, 59), utc(2026, 1, 15, 12, 59), id="just before"
        ),
        pytest.param(
            NIGHT_NEW_YORK,
            utc(2026, 3, 8, 3, 0),
            utc(2026, 3, 8, 11, 0),
            id="a night the clocks go forward: ends 07:00 EDT",
        ),
        pytest.param(
            NIGHT_NEW_YORK,
            utc(2026, 10, 31, 2, 30),
            utc(2026, 10, 31, 11, 0),
            id="the night before they go back: ends 07:00 EDT",
        ),
        pytest.param(
            NIGHT_NEW_YORK,
            utc(2026, 11, 1, 3, 0),
            utc(2026, 11, 1, 12, 0),
            id="a night the clocks go back: ends 07:00 EST",
        ),
        pytest.param(
            INTO_THE_GAP,
            utc(2026, 3, 8, 6, 30),
            utc(2026, 3, 8, 7, 30),
            id="an end the clocks skip: the first instant after the gap (03:30 EDT)",
        ),
        pytest.param(
            IN_THE_REPEAT,
            utc(2026, 11, 1, 5, 10),
            utc(2026, 11, 1, 5, 30),
            id="an end that happens twice, due in the first pass: the first 01:30",
        ),
        pytest.param(
            IN_THE_REPEAT,
            utc(2026, 11, 1, 6, 10),
            utc(2026, 11, 1, 6, 30),
            id="due in the second pass: the second 01:30",
        ),
        pytest.param(
            NIGHT_KOLKATA,
            utc(2026, 1, 15, 17, 0),
            utc(2026, 1, 16, 0, 30),
            id="half-hour offset: 22:30 IST waits for 06:00 IST",
        ),
    ],
)
def test_quiet_hours_defer_to_their_end(
    quiet: QuietHours | None, due: datetime, expected: datetime
) -> None:
    deferred = defer_past_quiet_hours(due, quiet)
    assert deferred == expected
    assert deferred >= due
    # Where it lands is never itself quiet.
    assert defer_past_quiet_hours(deferred, quiet) == deferred
