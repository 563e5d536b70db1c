"""Matching: free, eligible supporters fill open slots, least booked first, deterministically."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st
from peerlink_scheduling.domain.matching import Booking, SessionRequest, match

NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def session(needed: int = 1, starts_at: datetime = NOON) -> SessionRequest:
    return SessionRequest("s-1", "north", starts_at, timedelta(minutes=90), needed)


def booking(start: datetime, minutes: int = 60) -> Booking:
    return Booking("s-other", start, start + timedelta(minutes=minutes))


def test_fills_only_the_open_slots() -> None:
    chosen = match(session(needed=2), candidates=["a", "b", "c"], assigned=["a"], bookings={})
    assert [choice.supporter_id for choice in chosen] == ["b"]


def test_skips_a_supporter_booked_at_an_overlapping_time() -> None:
    chosen = match(
        session(),
        candidates=["a", "b"],
        assigned=[],
        bookings={"a": [booking(NOON + timedelta(minutes=30))]},
    )
    assert [choice.supporter_id for choice in chosen] == ["b"]


def test_back_to_back_sessions_do_not_overlap() -> None:
    chosen = match(
        session(),
        candidates=["a"],
        assigned=[],
        bookings={"a": [booking(NOON - timedelta(hours=1))]},
    )
    assert [choice.supporter_id for choice in chosen] == ["a"]


def test_least_booked_first_then_by_id() -> None:
    far = NOON + timedelta(days=3)
    chosen = match(
        session(needed=2),
        candidates=["c", "a", "b"],
        assigned=[],
        bookings={"a": [booking(far)], "b": [], "c": []},
    )
    assert [choice.supporter_id for choice in chosen] == ["b", "c"]


def test_every_choice_says_why() -> None:
    (choice,) = match(session(), candidates=["a"], assigned=[], bookings={})
    assert "eligible at north" in choice.why


@given(
    needed=st.integers(1, 5),
    candidates=st.lists(st.sampled_from("abcdefgh"), max_size=8),
    assigned=st.lists(st.sampled_from("abcdefgh"), max_size=3, unique=True),
    offsets=st.dictionaries(
        st.sampled_from("abcdefgh"), st.lists(st.integers(-300, 300), max_size=3)
    ),
)
def test_no_choice_breaks_a_hard_rule(
    needed: int, candidates: list[str], assigned: list[str], offsets: dict[str, list[int]]
) -> None:
    request = session(needed=needed)
    bookings = {
        who: [booking(NOON + timedelta(minutes=m)) for m in minutes]
        for who, minutes in offsets.items()
    }
    chosen = [
        choice.supporter_id
        for choice in match(request, candidates=candidates, assigned=assigned, bookings=bookings)
    ]
    assert len(chosen) == len(set(chosen)), "a supporter chosen twice"
    assert len(chosen) <= max(0, needed - len(assigned))
    assert set(chosen) <= set(candidates) - set(assigned)
    for who in chosen:
        assert not any(request.as_booking.overlaps(other) for other in bookings.get(who, []))
