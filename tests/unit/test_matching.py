"""Matching: one table per hard rule, one for the preferences, meetings, and a property that
no choice ever breaks a hard rule (checked by a checker written here, not the matcher's own)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from peerlink_scheduling.domain.availability import Availability, Window
from peerlink_scheduling.domain.matching import (
    Booking,
    Pool,
    Resident,
    SessionRequest,
    Supporter,
    match,
)
from peerlink_scheduling.domain.network import Network
from peerlink_scheduling.domain.stays import Stay

NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # a Tuesday
NETWORK = Network({"north": "coast", "harbour": "coast", "hill": "inland"})
ALL_DAY = (Window(time.min, time.max),)


def anywhere_from(home: str) -> Availability:
    return Availability("UTC", {day: ALL_DAY for day in range(7)}, home_centre=home)


def session(
    needed: int = 1, starts_at: datetime = NOON, centre: str = "north", minutes: int = 90
) -> SessionRequest:
    return SessionRequest("s-1", centre, starts_at, timedelta(minutes=minutes), needed)


def meeting(resident: str = "r", window_hours: int = 4) -> SessionRequest:
    return SessionRequest(
        "m-1",
        "north",
        NOON,
        timedelta(minutes=60),
        1,
        resident_id=resident,
        window_ends_at=NOON + timedelta(hours=window_hours),
    )


def booking(start: datetime, centre: str = "north", minutes: int = 60) -> Booking:
    return Booking(f"s-{centre}-{start:%d%H%M}", centre, start, start + timedelta(minutes=minutes))


def ends_before(minutes: int, centre: str) -> Booking:
    """An hour's booking that ends `minutes` before the 90-minute session at NOON starts."""
    return booking(NOON - timedelta(minutes=60 + minutes), centre)


def starts_after(minutes: int, centre: str) -> Booking:
    return booking(NOON + timedelta(minutes=90 + minutes), centre)


def picked(
    request: SessionRequest,
    *supporters: Supporter,
    assigned: tuple[str, ...] = (),
    resident: Resident | None = None,
) -> list[str]:
    pool = Pool(supporters, network=NETWORK, resident=resident)
    return [choice.supporter_id for choice in match(request, assigned=assigned, pool=pool)]


def test_fills_only_the_open_slots() -> None:
    assert picked(session(needed=2), Supporter("a"), Supporter("b"), assigned=("a",)) == ["b"]


@pytest.mark.parametrize(
    ("case", "eligible_from", "expected"),
    [
        ("eligible already", date.min, True),
        ("eligible from the session's day", date(2026, 12, 1), True),
        ("eligible only the day after", date(2026, 12, 2), False),
    ],
)
def test_eligible_on_the_sessions_day(case: str, eligible_from: date, expected: bool) -> None:
    assert (picked(session(), Supporter("a", eligible_from=eligible_from)) == ["a"]) is expected


def test_the_sessions_day_is_the_centres() -> None:
    # 23:30 UTC on 1 December is already 2 December in Auckland.
    late = SessionRequest(
        "s-1", "north", NOON + timedelta(hours=11, minutes=30), timedelta(minutes=30), 1,
        timezone="Pacific/Auckland",
    )  # fmt: skip
    assert picked(late, Supporter("a", eligible_from=date(2026, 12, 2))) == ["a"]


@pytest.mark.parametrize(
    ("case", "held", "expected"),
    [
        ("overlapping at the same centre", booking(NOON + timedelta(minutes=30)), False),
        ("back to back at the same centre", ends_before(0, "north"), True),
        ("ends 30 min before, same region", ends_before(30, "harbour"), True),
        ("ends 20 min before, same region", ends_before(20, "harbour"), False),
        ("ends 80 min before, other region", ends_before(80, "hill"), False),
        ("ends 90 min before, other region", ends_before(90, "hill"), True),
        ("starts 30 min after, same region", starts_after(30, "harbour"), True),
        ("starts 10 min after, other region", starts_after(10, "hill"), False),
        ("an unknown centre counts as far", ends_before(40, "nowhere"), False),
    ],
)
def test_no_overlap_and_time_to_travel(case: str, held: Booking, expected: bool) -> None:
    assert (picked(session(), Supporter("a", bookings=(held,))) == ["a"]) is expected, case


@pytest.mark.parametrize(
    ("case", "supporter_stays", "resident_stays", "excluded", "expected"),
    [
        (
            "stays at the same centre overlapped",
            (Stay("north", date(2024, 1, 1), date(2024, 3, 1)),),
            (Stay("north", date(2024, 2, 1), date(2024, 4, 1)),),
            frozenset(),
            False,
        ),
        (
            "the resident is still there, the supporter was there when they arrived",
            (Stay("north", date(2025, 1, 1), date(2025, 6, 1)),),
            (Stay("north", date(2025, 5, 1), None),),
            frozenset(),
            False,
        ),
        (
            "same centre, years apart",
            (Stay("north", date(2020, 1, 1), date(2020, 3, 1)),),
            (Stay("north", date(2026, 10, 1), None),),
            frozenset(),
            True,
        ),
        (
            "same months, different centres",
            (Stay("hill", date(2026, 1, 1), date(2026, 3, 1)),),
            (Stay("north", date(2026, 1, 1), None),),
            frozenset(),
            True,
        ),
        ("recorded as excluded for the resident", (), (), frozenset({"a"}), False),
        ("another supporter excluded", (), (), frozenset({"b"}), True),
    ],
)
def test_one_on_one_conflicts_of_interest_and_exclusions(
    case: str,
    supporter_stays: tuple[Stay, ...],
    resident_stays: tuple[Stay, ...],
    excluded: frozenset[str],
    expected: bool,
) -> None:
    resident = Resident("r", stays=resident_stays, excluded=excluded)
    chosen = picked(meeting(), Supporter("a", stays=supporter_stays), resident=resident)
    assert (chosen == ["a"]) is expected, case


FAR = NOON + timedelta(days=3)


@pytest.mark.parametrize(
    ("case", "supporters", "resident", "expected"),
    [
        (
            "a graduate of the centre before a less booked supporter",
            (
                Supporter("a"),
                Supporter("b", graduated_from=frozenset({"north"}), bookings=(booking(FAR),)),
            ),
            None,
            "b",
        ),
        (
            "a graduate of another centre counts as no graduate here",
            (Supporter("a"), Supporter("b", graduated_from=frozenset({"hill"}))),
            None,
            "a",
        ),
        (
            "the supporter who met the resident before, though busier",
            (Supporter("a"), Supporter("b", bookings=(booking(FAR),))),
            Resident("r", met_before=frozenset({"b"})),
            "b",
        ),
        (
            "the least booked",
            (Supporter("a", bookings=(booking(FAR),)), Supporter("b")),
            None,
            "b",
        ),
        (
            "equal load: the shorter travel",
            (
                Supporter("a", availability=anywhere_from("hill")),
                Supporter("b", availability=anywhere_from("harbour")),
            ),
            None,
            "b",
        ),
        (
            "everything equal: the smaller id",
            (Supporter("b"), Supporter("a")),
            None,
            "a",
        ),
    ],
)
def test_preferences(
    case: str, supporters: tuple[Supporter, ...], resident: Resident | None, expected: str
) -> None:
    request = meeting() if resident is not None else session()
    assert picked(request, *supporters, resident=resident)[:1] == [expected], case


def test_a_meeting_takes_the_earliest_start_the_supporter_can_make() -> None:
    busy_first_hour = Supporter("a", bookings=(booking(NOON, minutes=60),))
    pool = Pool((busy_first_hour,), network=NETWORK, resident=Resident("r"))
    (choice,) = match(meeting(), assigned=(), pool=pool)
    assert choice.starts_at == NOON + timedelta(hours=1)


def test_a_meeting_with_no_start_free_in_its_window_is_not_filled() -> None:
    busy = Supporter("a", bookings=(booking(NOON, minutes=240),))
    assert picked(meeting(window_hours=4), busy, resident=Resident("r")) == []


def test_every_choice_says_why() -> None:
    graduate = Supporter("a", graduated_from=frozenset({"north"}))
    (choice,) = match(session(), assigned=(), pool=Pool((graduate,), network=NETWORK))
    assert "eligible at north" in choice.why
    assert "graduate of this centre" in choice.why
    assert "travel: same centre" in choice.why


# --- property: no choice breaks a hard rule ------------------------------------------------

CENTRES = ("north", "harbour", "hill")


def _gap_needed(a: str, b: str) -> timedelta:
    if a == b:
        return timedelta(0)
    if NETWORK.regions.get(a) == NETWORK.regions.get(b):
        return timedelta(minutes=30)
    return timedelta(minutes=90)


def _violations(request: SessionRequest, start: datetime, supporter: Supporter,
                resident: Resident | None) -> list[str]:  # fmt: skip
    """Written independently of the matcher: the hard rules, read straight off the issue."""
    end = start + request.duration
    found = []
    if supporter.eligible_from > start.date():
        found.append("not eligible then")
    for other in supporter.bookings:
        gap = _gap_needed(other.centre_id, request.centre_id)
        if start < other.ends_at + gap and other.starts_at < end + gap:
            found.append("too close to another booking")
    if resident is not None:
        if supporter.supporter_id in resident.excluded:
            found.append("excluded")
        for mine in supporter.stays:
            for theirs in resident.stays:
                if mine.centre_id == theirs.centre_id and not (
                    (mine.end is not None and mine.end < theirs.start)
                    or (theirs.end is not None and theirs.end < mine.start)
                ):
                    found.append("stays overlapped")
    if request.window_ends_at is not None and not (
        request.starts_at <= start and end <= request.window_ends_at
    ):
        found.append("outside the window")
    return found


stays = st.lists(
    st.builds(
        lambda centre, start, days, open_: Stay(
            centre, date(2026, 1, 1) + timedelta(days=start),
            None if open_ else date(2026, 1, 1) + timedelta(days=start + days),
        ),
        st.sampled_from(CENTRES), st.integers(0, 300), st.integers(0, 90), st.booleans(),
    ),
    max_size=2,
)  # fmt: skip
supporters = st.builds(
    lambda who, starts, eligible_in, own_stays: Supporter(
        who,
        eligible_from=date.min if eligible_in < 0 else date(2026, 12, 1) + timedelta(eligible_in),
        bookings=tuple(booking(NOON + timedelta(minutes=15 * q), centre) for q, centre in starts),
        stays=tuple(own_stays),
    ),
    st.sampled_from("abcdefgh"),
    st.lists(st.tuples(st.integers(-24, 24), st.sampled_from(CENTRES)), max_size=3),
    st.integers(-2, 2),
    stays,
)


@settings(max_examples=300, deadline=None)
@given(
    needed=st.integers(1, 4),
    pool=st.lists(supporters, max_size=8, unique_by=lambda s: s.supporter_id),
    as_meeting=st.booleans(),
    resident_stays=stays,
    excluded=st.frozensets(st.sampled_from("abcdefgh"), max_size=3),
    centre=st.sampled_from(CENTRES),
)
def test_no_choice_breaks_a_hard_rule(  # noqa: PLR0917 (hypothesis passes them by name)
    needed: int,
    pool: list[Supporter],
    as_meeting: bool,
    resident_stays: list[Stay],
    excluded: frozenset[str],
    centre: str,
) -> None:
    request = (
        SessionRequest("m-1", centre, NOON, timedelta(hours=1), 1, "r", NOON + timedelta(hours=3))
        if as_meeting
        else session(needed=needed, centre=centre)
    )  # fmt: skip
    resident = Resident("r", stays=tuple(resident_stays), excluded=excluded) if as_meeting else None
    chosen = match(request, assigned=(), pool=Pool(tuple(pool), network=NETWORK, resident=resident))
    names = [choice.supporter_id for choice in chosen]
    assert len(names) == len(set(names)), "a supporter chosen twice"
    assert len(names) <= request.supporters_needed
    for choice in chosen:
        supporter = next(s for s in pool if s.supporter_id == choice.supporter_id)
        assert _violations(request, choice.starts_at, supporter, resident) == []
    if len(names) < request.supporters_needed:
        # Nobody left out could have served: the matcher fills whatever can be filled.
        for supporter in (s for s in pool if s.supporter_id not in names):
            assert all(
                _violations(request, start, supporter, resident) for start in request.start_times()
            ), f"{supporter.supporter_id} was free but not chosen"
