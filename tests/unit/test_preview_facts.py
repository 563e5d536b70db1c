"""The facts a what-if holds between previews: how stale they may be, replaced by every fact
this process stores, and judged exactly as facts read fresh from the store would be."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from peerlink_eligibility.domain.decision import decide, qualifies
from peerlink_eligibility.domain.facts import (
    BackgroundCheck,
    Completion,
    ConsentChange,
    CravingCheckIn,
    Fact,
    PersonFacts,
    SharingChange,
    SobrietyDate,
    Training,
    fold_facts,
)
from peerlink_eligibility.domain.policy import Policy
from peerlink_eligibility.domain.preview import PolicyPreview
from peerlink_eligibility.service_layer.ports import Snapshot
from peerlink_eligibility.service_layer.preview_facts import HeldFacts, PreviewFacts
from peerlink_eligibility.settings import EligibilitySettings
from pydantic import ValidationError

from tests.eligibility_facts import any_fact, days_before, graduate_facts

TODAY = date(2026, 11, 27)
READ_AT = datetime(2026, 11, 27, 9, tzinfo=UTC)
MAX_AGE = timedelta(seconds=30)
HERE = "north"


def graduate(person_id: str, *, sober_days: int, version: int = 4) -> Snapshot:
    facts = graduate_facts(TODAY, HERE, sober_days=sober_days, completed_days_ago=900)
    return Snapshot(fold_facts(person_id, facts), version)


def read(*snapshots: Snapshot) -> PreviewFacts:
    held = PreviewFacts(max_age=MAX_AGE)
    held.begin_read()
    held.end_read(snapshots, as_of=READ_AT)
    return held


def sober_days(held: HeldFacts | None) -> dict[str, date | None]:
    assert held is not None
    return {facts.person_id: facts.sober_since for facts in held.persons}


@pytest.mark.parametrize("seconds", [-1, 31, 3600])
def test_no_setting_holds_facts_longer_than_30_seconds(seconds: float) -> None:
    with pytest.raises(ValidationError, match="preview_facts_max_age_seconds"):
        EligibilitySettings(token_secret="c" * 40, preview_facts_max_age_seconds=seconds)
    assert EligibilitySettings(token_secret="c" * 40).preview_facts_max_age_seconds == 30


def test_held_facts_serve_until_max_age_and_say_when_they_were_read() -> None:
    held = read(graduate("p-1", sober_days=400))
    assert PreviewFacts(max_age=MAX_AGE).at(READ_AT) is None  # nothing read yet
    fresh = held.at(READ_AT + MAX_AGE - timedelta(microseconds=1))
    assert fresh is not None and fresh.as_of == READ_AT
    assert held.at(READ_AT + MAX_AGE) is None
    assert held.at(READ_AT - timedelta(seconds=1)) is None  # a clock set back: not younger


def test_held_facts_are_read_again_behind_previews_from_half_their_max_age() -> None:
    held = read(graduate("p-1", sober_days=400))
    assert not PreviewFacts(max_age=MAX_AGE).due_for_refresh(READ_AT)  # nothing read yet
    assert not held.due_for_refresh(READ_AT + MAX_AGE / 2 - timedelta(microseconds=1))
    assert held.due_for_refresh(READ_AT + MAX_AGE / 2)
    assert held.at(READ_AT + MAX_AGE / 2) is not None  # and still served meanwhile


def test_held_facts_are_dropped_once_they_serve_nobody() -> None:
    held = read(graduate("p-1", sober_days=400))
    held.drop_if_expired(READ_AT + MAX_AGE - timedelta(microseconds=1))
    assert held.at(READ_AT) is not None  # still young enough: kept
    held.drop_if_expired(READ_AT + MAX_AGE)
    assert held.at(READ_AT) is None
    held.record(graduate("p-1", sober_days=3, version=5))  # nothing held: none started
    assert held.at(READ_AT) is None


def test_a_fact_stored_after_the_read_replaces_the_persons_held_facts() -> None:
    held = read(graduate("p-1", sober_days=400), graduate("p-2", sober_days=10))
    held.record(graduate("p-1", sober_days=3, version=5))  # a relapse, a new sobriety date
    held.record(graduate("p-new", sober_days=500, version=4))
    assert sober_days(held.at(READ_AT)) == {
        "p-1": TODAY - timedelta(days=3),
        "p-2": TODAY - timedelta(days=10),
        "p-new": TODAY - timedelta(days=500),
    }


def test_an_older_snapshot_never_replaces_a_newer_one() -> None:
    held = read(graduate("p-1", sober_days=3, version=6))
    held.record(graduate("p-1", sober_days=400, version=5))  # a redelivery, read back late
    assert sober_days(held.at(READ_AT)) == {"p-1": TODAY - timedelta(days=3)}


def test_facts_recorded_during_a_read_win_over_what_the_read_returns() -> None:
    held = PreviewFacts(max_age=MAX_AGE)
    held.record(graduate("p-0", sober_days=1))  # before any read: nothing is held
    assert held.at(READ_AT) is None
    held.begin_read()
    held.record(graduate("p-1", sober_days=3, version=5))
    held.forget("p-gone")  # erased while the read ran
    held.end_read(
        [graduate("p-1", sober_days=400), graduate("p-gone", sober_days=400)], as_of=READ_AT
    )
    assert sober_days(held.at(READ_AT)) == {"p-1": TODAY - timedelta(days=3)}


def test_an_abandoned_read_keeps_what_was_held() -> None:
    held = read(graduate("p-1", sober_days=400))
    held.begin_read()
    held.abandon_read()
    held.record(graduate("p-1", sober_days=3, version=5))
    assert sober_days(held.at(READ_AT)) == {"p-1": TODAY - timedelta(days=3)}


def test_a_forgotten_person_is_in_no_later_preview() -> None:
    held = read(graduate("p-1", sober_days=400), graduate("p-2", sober_days=400))
    held.forget("p-1")
    assert sober_days(held.at(READ_AT)) == {"p-2": TODAY - timedelta(days=400)}


days = days_before(TODAY)
centres = st.sampled_from([HERE, "south", "east"])
facts = any_fact(days, centres)
policies = st.builds(
    Policy,
    centre_id=st.just(HERE),
    accept_network_graduates=st.booleans(),
    min_sober_days=st.integers(0, 1000),
    cooling_off_days=st.integers(0, 120),
    craving_threshold=st.integers(0, 10),
    craving_max_age_days=st.integers(0, 60),
    require_training=st.booleans(),
    require_background_check=st.booleans(),
)
recent = st.integers(min_value=0, max_value=20).map(lambda n: TODAY - timedelta(days=n))
# Random facts seldom meet every criterion: a likely supporter, plus random facts on top,
# so the eligible side (and the network's) is drawn as often as the ineligible one.
likely_supporter = st.tuples(
    st.builds(Completion, centres, days),
    st.builds(SobrietyDate, days),
    st.builds(CravingCheckIn, recent, st.integers(0, 5)),
    st.builds(ConsentChange, recent, st.just(True)),
    st.builds(Training, days, st.just(TODAY + timedelta(days=300))),
    st.builds(BackgroundCheck, days, st.just(TODAY + timedelta(days=300))),
    st.builds(SharingChange, recent, st.booleans()),
).map(list)
person_facts = st.one_of(
    st.lists(facts, max_size=10),
    st.tuples(likely_supporter, st.lists(facts, max_size=3)).map(lambda pair: pair[0] + pair[1]),
)
streams = st.lists(person_facts, max_size=12)


@given(person_facts, policies)
def test_qualifies_is_exactly_decides_eligible(stream: list[Fact], policy: Policy) -> None:
    person = fold_facts("p", stream)
    assert qualifies(person, policy, TODAY) == decide(person, policy, TODAY).eligible


def outcome(preview: PolicyPreview) -> tuple[object, ...]:
    return (
        preview.considered,
        preview.eligible_now,
        preview.eligible_after,
        sorted(preview.gaining),
        sorted(preview.losing),
        preview.network_gaining,
        preview.network_losing,
    )


def preview(current: Policy, proposed: Policy, persons: list[PersonFacts]) -> PolicyPreview:
    found = PolicyPreview(current, proposed, TODAY, READ_AT)
    for person in persons:
        found.add(person)
    return found


@given(streams, st.lists(st.tuples(st.integers(0, 11), facts), max_size=8), policies, policies)
def test_held_facts_with_recorded_ones_preview_as_the_store_read_afresh_would(
    read_streams: list[list[Fact]],
    later: list[tuple[int, Fact]],
    current: Policy,
    proposed: Policy,
) -> None:
    """The store's facts when read, then facts stored one by one (each recorded with the
    person's whole facts, as the store returns them), against a fresh read at the end."""
    stored = {f"p-{n}": list(stream) for n, stream in enumerate(read_streams)}
    held = read(*(Snapshot(fold_facts(p, fs), len(fs)) for p, fs in stored.items()))
    for n, fact in later:
        person = f"p-{n}"
        stored.setdefault(person, []).append(fact)
        held.record(Snapshot(fold_facts(person, stored[person]), len(stored[person])))
    afresh = [fold_facts(p, fs) for p, fs in stored.items()]
    held_now = held.at(READ_AT)
    assert held_now is not None
    # Twice: the second preview reads the derived values the first cached on each person.
    for _ in range(2):
        found = preview(current, proposed, held_now.persons)
        assert outcome(found) == outcome(preview(current, proposed, afresh))
