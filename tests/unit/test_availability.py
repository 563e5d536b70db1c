"""Availability rules in matching: windows in the supporter's own timezone, exceptions,
weekly caps and the centres a supporter serves."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from peerlink_scheduling.domain.availability import Availability, Window
from peerlink_scheduling.domain.matching import Booking, Pool, SessionRequest, Supporter, match
from peerlink_scheduling.domain.network import Network

# Tuesday 1 December 2026, 18:00 UTC = 18:00 in Dublin (winter), 13:00 in New York.
TUESDAY_6PM = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
EVENINGS: dict[int, tuple[Window, ...]] = {
    1: (Window(time(17), time(21)),),
    3: (Window(time(17), time(21)),),
}


def session(starts_at: datetime = TUESDAY_6PM, minutes: int = 90) -> SessionRequest:
    return SessionRequest("s-1", "north", starts_at, timedelta(minutes=minutes), 1)


def chosen(
    request: SessionRequest, limits: Availability, bookings: list[Booking] | None = None
) -> bool:
    supporter = Supporter("a", bookings=tuple(bookings or ()), availability=limits)
    pool = Pool(
        (supporter,), network=Network({"north": "coast", "south": "coast", "east": "hills"})
    )
    picks = match(request, assigned=[], pool=pool)
    return [choice.supporter_id for choice in picks] == ["a"]


@pytest.mark.parametrize(
    ("case", "request_", "limits", "expected"),
    [
        ("inside a weekly window", session(), Availability("Europe/Dublin", EVENINGS), True),
        (
            "runs past the window's end",
            session(minutes=240),
            Availability("Europe/Dublin", EVENINGS),
            False,
        ),
        (
            "another weekday",
            session(TUESDAY_6PM + timedelta(days=1)),
            Availability("Europe/Dublin", EVENINGS),
            False,
        ),
        (
            "13:00 in the supporter's New York",
            session(),
            Availability("America/New_York", EVENINGS),
            False,
        ),
        (
            "a dated exception: away that day",
            session(),
            Availability("Europe/Dublin", EVENINGS, exceptions={date(2026, 12, 1): ()}),
            False,
        ),
        (
            "a dated exception: free in the afternoon only",
            session(TUESDAY_6PM - timedelta(hours=4)),
            Availability(
                "Europe/Dublin", {}, exceptions={date(2026, 12, 1): (Window(time(13), time(16)),)}
            ),
            True,
        ),
        (
            "serves other centres only",
            session(),
            Availability("Europe/Dublin", EVENINGS, centres=frozenset({"south"})),
            False,
        ),
        (
            "serves the centre's region",
            session(),
            Availability("Europe/Dublin", EVENINGS, regions=frozenset({"coast"})),
            True,
        ),
        (
            "serves another region only",
            session(),
            Availability("Europe/Dublin", EVENINGS, regions=frozenset({"hills"})),
            False,
        ),
        (
            "names another centre and the centre's region",
            session(),
            Availability(
                "Europe/Dublin",
                EVENINGS,
                centres=frozenset({"east"}),
                regions=frozenset({"coast"}),
            ),
            True,
        ),
    ],
)
def test_availability(
    case: str, request_: SessionRequest, limits: Availability, expected: bool
) -> None:
    assert chosen(request_, limits) is expected, case


def test_the_weekly_cap_counts_that_week_only() -> None:
    limits = Availability("Europe/Dublin", EVENINGS, max_sessions_per_week=1)
    monday = Booking(
        "s-0", "north", TUESDAY_6PM - timedelta(days=1), TUESDAY_6PM - timedelta(days=1, hours=-1)
    )
    last_week = Booking(
        "s-9", "north", TUESDAY_6PM - timedelta(days=7), TUESDAY_6PM - timedelta(days=7, hours=-1)
    )
    assert not chosen(session(), limits, [monday])
    assert chosen(session(), limits, [last_week])


def test_no_availability_recorded_means_any_time() -> None:
    picks = match(session(), assigned=[], pool=Pool((Supporter("a"),)))
    assert [choice.supporter_id for choice in picks] == ["a"]
