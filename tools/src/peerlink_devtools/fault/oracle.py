"""After a fault run: what the system holds, compared with what the inputs alone say it must.

Lost is anything expected and missing (a decision not reached, a place left empty though a
supporter was free, a message not recorded, a refused event not in the dead-letter topic);
duplicated is any effect seen twice (a message, an assignment announced twice).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

from peerlink_shared.messaging.envelope import derived_event_id

from peerlink_devtools.fault.workload import Workload
from peerlink_devtools.kafka_watch import Record

TELLS_SUPPORTERS = {
    "peerlink.session.supporter-assigned.v1",
    "peerlink.session.supporter-unassigned.v1",
}


@dataclass
class Observed:
    decisions: dict[str, bool]  # person → eligible at their centre
    sessions: dict[str, list[str]]  # session id → supporters booked
    needed: dict[str, int]  # session id → supporters needed
    centre_of: dict[str, str]  # session id → centre
    messages: dict[str, list[str]]  # person → ids of their in-app messages
    session_events: list[Record]
    dead_letters: list[Record]


@dataclass
class Verdict:
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    dead_lettered: int = 0

    @property
    def passed(self) -> bool:
        return not (self.lost or self.duplicated or self.wrong)


def judge(work: Workload, seen: Observed) -> Verdict:
    verdict = Verdict()
    for person_id, person in work.persons.items():
        if seen.decisions.get(person_id, False) != person.eligible:
            verdict.wrong.append(f"decision of {person_id} ({person.kind})")
    _judge_sessions(work, seen, verdict)
    _judge_messages(work, seen, verdict)
    _judge_dead_letters(work, seen, verdict)
    return verdict


def _judge_sessions(work: Workload, seen: Observed, verdict: Verdict) -> None:
    for session_id, booked in seen.sessions.items():
        allowed = work.expected_supporters(seen.centre_of[session_id])
        want = min(seen.needed[session_id], len(allowed))
        if len(set(booked)) != len(booked):
            verdict.duplicated.append(f"a supporter booked twice on {session_id}")
        if set(booked) - allowed:
            verdict.wrong.append(f"{session_id} booked someone not eligible")
        if len(set(booked) & allowed) < want:
            verdict.lost.append(f"{session_id}: {len(booked)} of {want} places filled")
    # Each announcement is one assignment: more announced than released-plus-held means
    # one assignment was announced twice under different ids.
    announced: Counter[str] = Counter()
    released: Counter[str] = Counter()
    for event in _distinct_events(seen.session_events):
        if event.type == "peerlink.session.supporter-assigned.v1":
            announced[event.session_id] += 1
        elif event.type == "peerlink.session.supporter-unassigned.v1":
            released[event.session_id] += 1
    for session_id, booked in seen.sessions.items():
        if announced[session_id] - released[session_id] != len(booked):
            verdict.duplicated.append(
                f"{session_id}: {announced[session_id]} assigned, {released[session_id]} "
                f"released, {len(booked)} held"
            )


def _judge_messages(work: Workload, seen: Observed, verdict: Verdict) -> None:
    expected: dict[str, set[str]] = {person: set() for person in work.persons}
    for event in _distinct_events(seen.session_events):
        if event.type in TELLS_SUPPORTERS or event.type == "peerlink.session.cancelled.v1":
            for person in event.supporters:
                expected.setdefault(person, set()).add(
                    derived_event_id("message", event.id, person, "in_app")
                )
    for person, wanted in expected.items():
        got = seen.messages.get(person, [])
        if len(got) != len(set(got)):
            verdict.duplicated.append(f"messages to {person} recorded twice")
        verdict.lost.extend(f"message {m} to {person}" for m in sorted(wanted - set(got)))
        verdict.wrong.extend(f"unexplained message {m} to {person}" for m in set(got) - wanted)


def _judge_dead_letters(work: Workload, seen: Observed, verdict: Verdict) -> None:
    reasons: dict[str, set[str]] = {}
    for record in seen.dead_letters:
        if record.key is not None:
            key = record.key.decode(errors="replace")
            reasons.setdefault(key, set()).add(record.headers.get("x-dlq-reason-code", ""))
    for bad in work.bad:
        found = reasons.get(bad.marker)
        if not found:
            verdict.lost.append(f"dead letter {bad.marker} ({bad.reason})")
        elif found != {bad.reason}:
            verdict.wrong.append(f"dead letter {bad.marker}: {sorted(found)} not {bad.reason}")
        else:
            verdict.dead_lettered += 1


@dataclass(frozen=True)
class SessionEvent:
    id: str
    type: str
    session_id: str
    supporters: tuple[str, ...]  # the one assigned or released, or everyone cancelled


def _distinct_events(records: list[Record]) -> list[SessionEvent]:
    """Each event once, however often it was published (redeliveries, replays)."""
    found: dict[str, SessionEvent] = {}
    for record in records:
        try:
            event = json.loads(record.value)
            data = event["data"]
            one = data.get("supporter_id")
            supporters = (str(one),) if one else tuple(map(str, data.get("supporter_ids", ())))
            parsed = SessionEvent(
                str(event["id"]), str(event["type"]), str(data["session_id"]), supporters
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
        found.setdefault(parsed.id, parsed)
    return list(found.values())
