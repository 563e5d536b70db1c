"""The fault suite's oracle flags what was lost, doubled or wrong, and passes only a run that
kept every promise."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest
from peerlink_devtools.fault.oracle import Observed, judge
from peerlink_devtools.fault.workload import BadInput, Person, Workload, bad_inputs, plan
from peerlink_devtools.kafka_watch import Record
from peerlink_shared.messaging.dead_letters import Refusal
from peerlink_shared.messaging.envelope import derived_event_id
from peerlink_shared.messaging.parsing import MAX_EVENT_BYTES, parse_envelope
from peerlink_shared.messaging.topics import is_clinic_id

TODAY = date(2026, 11, 27)


def event(event_id: str, kind: str, session: str, supporter: str) -> Record:
    body = {
        "id": event_id,
        "type": f"peerlink.session.supporter-{kind}.v1",
        "data": {"session_id": session, "supporter_id": supporter},
    }
    return Record("session-events", 0, 0, session.encode(), json.dumps(body).encode(), {})


def letter(marker: str, code: str) -> Record:
    return Record("dlq", 0, 0, marker.encode(), b"", {"x-dlq-reason-code": code})


def message(event_id: str, person: str) -> str:
    return derived_event_id("message", event_id, person, "in_app")


@pytest.fixture
def story() -> tuple[Workload, Observed]:
    """p-a qualified, was booked, relapsed and was replaced by p-b; p-c never qualified."""
    work = Workload(today=TODAY, centres=["c1"])
    work.persons = {
        "p-a": Person("c1", "relapsed", ()),
        "p-b": Person("c1", "qualifies", ()),
        "p-c": Person("c1", "craving", ()),
    }
    work.bad = [BadInput("bad-1", b"{", "malformed_json")]
    seen = Observed(
        decisions={"p-a": False, "p-b": True, "p-c": False},
        sessions={"s-1": ["p-b"]},
        needed={"s-1": 1},
        centre_of={"s-1": "c1"},
        messages={
            "p-a": [message("e1", "p-a"), message("e2", "p-a")],
            "p-b": [message("e3", "p-b")],
        },
        session_events=[
            event("e1", "assigned", "s-1", "p-a"),
            event("e2", "unassigned", "s-1", "p-a"),
            event("e3", "assigned", "s-1", "p-b"),
            event("e3", "assigned", "s-1", "p-b"),  # a redelivery: the same event again
        ],
        dead_letters=[letter("bad-1", "malformed_json")],
    )
    return work, seen


def test_a_run_that_kept_every_promise_passes(story: tuple[Workload, Observed]) -> None:
    work, seen = story
    verdict = judge(work, seen)
    assert verdict.passed, verdict
    assert verdict.dead_lettered == 1


def test_a_missing_message_is_lost(story: tuple[Workload, Observed]) -> None:
    work, seen = story
    verdict = judge(work, replace(seen, messages={**seen.messages, "p-b": []}))
    assert verdict.lost == [f"message {message('e3', 'p-b')} to p-b"]


def test_a_message_recorded_twice_is_duplicated(story: tuple[Workload, Observed]) -> None:
    work, seen = story
    twice = {**seen.messages, "p-b": [message("e3", "p-b")] * 2}
    assert judge(work, replace(seen, messages=twice)).duplicated == [
        "messages to p-b recorded twice"
    ]


def test_an_assignment_announced_twice_is_duplicated(story: tuple[Workload, Observed]) -> None:
    work, seen = story
    again = [*seen.session_events, event("e4", "assigned", "s-1", "p-b")]
    verdict = judge(work, replace(seen, session_events=again))
    assert verdict.duplicated == ["s-1: 3 assigned, 1 released, 1 held"]


def test_a_wrong_decision_and_an_ineligible_booking_are_wrong(
    story: tuple[Workload, Observed],
) -> None:
    work, seen = story
    verdict = judge(
        work,
        replace(seen, decisions={**seen.decisions, "p-a": True}, sessions={"s-1": ["p-a"]}),
    )
    assert "decision of p-a (relapsed)" in verdict.wrong
    assert "s-1 booked someone not eligible" in verdict.wrong
    assert verdict.lost == ["s-1: 1 of 1 places filled"]


def test_an_empty_place_with_a_free_supporter_is_lost(story: tuple[Workload, Observed]) -> None:
    work, seen = story
    verdict = judge(work, replace(seen, sessions={"s-1": []}))
    assert "s-1: 0 of 1 places filled" in verdict.lost


@pytest.mark.parametrize(
    ("letters", "lost", "wrong"),
    [
        ([], ["dead letter bad-1 (malformed_json)"], []),
        (
            [letter("bad-1", "invalid_payload")],
            [],
            ["dead letter bad-1: ['invalid_payload'] not malformed_json"],
        ),
    ],
)
def test_dead_letters_must_all_be_there_with_their_reason(
    story: tuple[Workload, Observed], letters: list[Record], lost: list[str], wrong: list[str]
) -> None:
    work, seen = story
    verdict = judge(work, replace(seen, dead_letters=letters))
    assert (verdict.lost, verdict.wrong) == (lost, wrong)


def test_the_workload_is_the_same_for_a_seed_and_every_bad_input_has_a_reason() -> None:
    first = plan(seed=7, persons=50, centres=3, sessions_per_centre=2, today=TODAY)
    again = plan(seed=7, persons=50, centres=3, sessions_per_centre=2, today=TODAY)
    assert first.kinds == again.kinds and first.sessions == again.sessions
    assert {kind for _, kind in first.kinds} == {
        "qualifies", "relapsed", "craving", "withdrew", "left_early",
    }  # fmt: skip
    assert first.clinics == {
        "fault-7-c0": "fault-7-ehr0", "fault-7-c1": "fault-7-ehr1", "fault-7-c2": "fault-7-ehr2",
    }  # fmt: skip
    assert first.outsider == "fault-7-outsider"
    assert all(is_clinic_id(clinic) for clinic in [*first.clinics.values(), first.outsider])
    bad = bad_inputs(7, person_id="p-1", count=14, canary="CANARY-7")
    assert len({b.marker for b in bad}) == 14
    assert sum(b"CANARY-7" in b.body for b in bad) >= 8
    # The suite once built an "oversized" event that was not: it must pass the limit.
    assert all(len(b.body) > MAX_EVENT_BYTES for b in bad if b.reason == "oversized")
    assert {b.reason for b in bad} == {
        "malformed_json", "not_utf8", "invalid_payload", "unknown_event_type", "forbidden_key",
        "oversized", "unknown_person", "too_deep", "duplicate_key", "sender_not_allowed",
    }  # fmt: skip
    # Only the valid event from the clinic that may act for no centre is the outsider's.
    assert [b.reason for b in bad if b.outsider] == ["sender_not_allowed"]
    # Each refused at the door for the reason the oracle expects (the rest need the handler).
    for item in bad:
        refused = parse_envelope(item.body)
        if item.reason in ("unknown_person", "sender_not_allowed"):
            assert not isinstance(refused, Refusal)
        elif item.reason != "invalid_payload":
            assert isinstance(refused, Refusal) and refused.code == item.reason, item.reason
