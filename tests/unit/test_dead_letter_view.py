"""Dead letters are counted, described without health data, and replayed only where they
came from."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest
from peerlink_ops.dead_letter_replay import (
    NotReplayable,
    Replay,
    chosen,
    event_id_of,
    plan_replay,
    resolve_dead_letter_topic,
)
from peerlink_ops.dead_letter_text import line, summary_table
from peerlink_ops.dead_letter_view import (
    DeadLetter,
    EnvelopeMetadata,
    TopicSummary,
    view,
)
from peerlink_shared.messaging.dead_letter_headers import (
    ORIGINAL_TOPIC_HEADER,
    REASON_CODE_HEADER,
    REASON_HEADER,
    REPLAYED_FROM_HEADER,
)
from peerlink_shared.messaging.dead_letters import ReasonCode, Refusal
from peerlink_shared.messaging.topics import Topics

CANARY = "CANARY-Jane-Doe-methadone"
TOPICS = Topics(prefix="run1-")
INBOUND = "run1-clinic-inbound.bay-ehr"


def envelope_json(**overrides: object) -> bytes:
    document: dict[str, object] = {
        "specversion": "1.0",
        "id": "e-1",
        "source": "/clinic",
        "type": "peerlink.person.craving-check-in-recorded.v1",
        "subject": "p-1",
        "time": "2026-01-02T03:04:05Z",
        "correlationid": "c-1",
        "data": {"person_id": "p-1", "level": CANARY, "note": f"{CANARY} relapsed"},
    }
    document.update(overrides)
    return json.dumps(document).encode()


def letter(
    value: bytes = b"{}",
    *,
    code: str = "invalid_payload",
    original: str | None = INBOUND,
    key: bytes | None = b"p-1",
    offset: int = 0,
    timestamp_ms: int = 1_767_225_600_000,
) -> DeadLetter:
    headers = {REASON_CODE_HEADER: code.encode(), REASON_HEADER: b"level: int_parsing"}
    if original is not None:
        headers[ORIGINAL_TOPIC_HEADER] = original.encode()
    return DeadLetter(
        topic=f"{INBOUND}.dlq",
        partition=2,
        offset=offset,
        timestamp_ms=timestamp_ms,
        key=key,
        value=value,
        headers=headers,
    )


def test_the_view_names_the_event_and_never_shows_its_data() -> None:
    seen = view(letter(envelope_json()))
    assert seen.envelope == EnvelopeMetadata(
        event_id="e-1",
        event_type="peerlink.person.craving-check-in-recorded.v1",
        source="/clinic",
        subject="p-1",
        time="2026-01-02T03:04:05+00:00",
        correlation_id="c-1",
    )
    assert (seen.body, seen.body_bytes) == ("json", len(envelope_json()))
    assert (seen.reason_code, seen.reason, seen.key) == (
        "invalid_payload",
        "level: int_parsing",
        "p-1",
    )
    assert seen.timestamp == "2026-01-01T00:00:00.000+00:00"
    assert "CANARY" not in json.dumps(asdict(seen))


@pytest.mark.parametrize(
    ("body", "shape"),
    [
        (b"\xff\xfe" + CANARY.encode(), "not_utf8"),
        (f'{{"id": "{CANARY}", "data": '.encode(), "not_json"),
        (json.dumps([CANARY]).encode(), "not_an_object"),
        (json.dumps(CANARY).encode(), "not_an_object"),
        # Refused by the consumer for these, and must not crash the tools either.
        (
            b'{"id": "' + CANARY.encode() + b'", "x": ' + b"[" * 10_000 + b"]" * 10_000 + b"}",
            "not_json",
        ),
        (f'{{"id": "{CANARY}", "id": "e-2"}}'.encode(), "not_json"),
        (b'{"id": 1' + b"0" * 5_000 + b"}", "not_json"),
    ],
)
def test_a_body_that_is_not_an_envelope_is_described_by_its_size_only(
    body: bytes, shape: str
) -> None:
    seen = view(letter(body))
    assert (seen.body, seen.body_bytes, seen.envelope) == (shape, len(body), None)
    assert "CANARY" not in json.dumps(asdict(seen))


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ("subject", "Jane Doe", "(withheld: 8 chars)"),
        ("subject", {"$gt": ""}, "(withheld: object)"),
        ("id", ["e-1"], "(withheld: array)"),
        ("id", 7, "(withheld: number)"),
        ("source", None, "(missing)"),
        ("correlationid", "x" * 129, "(withheld: 129 chars)"),
        ("time", "admitted for heroin", "(withheld: 19 chars)"),
        ("type", "overdose follow-up", "(withheld: 18 chars)"),
        ("type", "peerlink.person.admission-recorded.v9", "peerlink.person.admission-recorded.v9"),
    ],
)
def test_an_envelope_attribute_is_shown_only_when_it_has_the_expected_shape(
    field: str, value: object, shown: str
) -> None:
    envelope = view(letter(envelope_json(**{field: value}))).envelope
    assert envelope is not None
    attribute = {"correlationid": "correlation_id", "id": "event_id", "type": "event_type"}
    assert getattr(envelope, attribute.get(field, field)) == shown


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        (b"p-1", "p-1"),
        (None, "(none)"),
        (b"Jane Doe", "(withheld: 8 chars)"),
        (b"\xff\x00", "(withheld: 2 bytes, not UTF-8)"),
    ],
)
def test_a_key_is_shown_only_when_it_looks_like_an_id(key: bytes | None, shown: str) -> None:
    assert view(letter(key=key)).key == shown


def test_the_view_reads_the_headers_the_consumer_writes() -> None:
    headers = Refusal(ReasonCode.UNKNOWN_PERSON, "person is not known").as_headers()
    assert set(headers) == {REASON_CODE_HEADER, REASON_HEADER}


def test_a_summary_counts_per_reason_and_original_topic_with_the_time_span() -> None:
    summary = TopicSummary(f"{INBOUND}.dlq")
    for item in (
        letter(code="invalid_payload", timestamp_ms=2_000),
        letter(code="invalid_payload", timestamp_ms=1_000),
        letter(code="unknown_person", original=None, timestamp_ms=3_000),
    ):
        summary.add(item)
    assert summary.as_dict() == {
        "topic": f"{INBOUND}.dlq",
        "count": 3,
        "by_reason": {"invalid_payload": 2, "unknown_person": 1},
        "by_original_topic": {"(none)": 1, INBOUND: 2},
        "oldest": "1970-01-01T00:00:01.000+00:00",
        "newest": "1970-01-01T00:00:03.000+00:00",
    }


def test_an_empty_summary_has_no_time_span() -> None:
    assert TopicSummary("t.dlq").as_dict()["oldest"] is None
    assert summary_table([TopicSummary("t.dlq")])[1].split() == ["t.dlq", "0", "-", "-"]


def test_the_table_shows_counts_under_each_topic() -> None:
    summary = TopicSummary("t.dlq")
    summary.add(letter(code="unknown_person"))
    summary.add(letter(code="unknown_person"))
    summary.add(letter(code="invalid_payload"))
    table = summary_table([summary])
    assert table[1].split()[:2] == ["t.dlq", "3"]
    assert table[2:] == [
        "    by reason: unknown_person=2, invalid_payload=1",
        f"    by original topic: {INBOUND}=3",
    ]


def test_a_line_names_the_letter_and_its_event_only() -> None:
    printed = line(view(letter(envelope_json(), offset=9)))
    assert printed.startswith(
        f"dlq={INBOUND}.dlq:2:9 dead_lettered=2026-01-01T00:00:00.000+00:00 "
        "reason_code=invalid_payload "
        f'reason="level: int_parsing" from={INBOUND}:None:None key=p-1 body=json,'
    )
    assert printed.endswith(
        "event_id=e-1 event_type=peerlink.person.craving-check-in-recorded.v1 source=/clinic "
        "subject=p-1 time=2026-01-02T03:04:05+00:00 correlation_id=c-1"
    )
    assert "CANARY" not in printed


def test_selection_by_reason_and_event_id() -> None:
    letters = [
        letter(envelope_json(id="e-1"), code="unknown_person", offset=0),
        letter(envelope_json(id="e-2"), code="unknown_person", offset=1),
        letter(envelope_json(id="e-3"), code="invalid_payload", offset=2),
        letter(b"\xff", code="unknown_person", offset=3),
    ]

    def offsets(reason: str | None = None, event_ids: frozenset[str] = frozenset()) -> list[int]:
        return [x.offset for x in letters if chosen(x, reason=reason, event_ids=event_ids)]

    assert offsets() == [0, 1, 2, 3]
    assert offsets(reason="unknown_person") == [0, 1, 3]
    assert offsets(event_ids=frozenset({"e-3", "e-2"})) == [1, 2]
    assert offsets(reason="unknown_person", event_ids=frozenset({"e-3", "e-2"})) == [1]
    assert event_id_of(letters[3]) is None
    assert event_id_of(letter(envelope_json(id=7))) is None


def test_a_replay_is_the_original_bytes_and_key_with_where_it_came_from() -> None:
    body = b"\xff not even UTF-8"
    plan = plan_replay(letter(body, key=b"k-9", offset=41), topics=TOPICS)
    assert plan == Replay(
        topic=INBOUND,
        key=b"k-9",
        value=body,
        headers=((REPLAYED_FROM_HEADER, f"{INBOUND}.dlq:2:41".encode()),),
    )


@pytest.mark.parametrize(
    ("original", "why"),
    [
        (None, "no x-original-topic header"),
        ("run1-elsewhere", "'run1-elsewhere' is not in the topic catalogue"),
        ("clinic-inbound", "'clinic-inbound' is not in the topic catalogue"),
        ("run1-clinic-inbound", "'run1-clinic-inbound' is not in the topic catalogue"),
        (
            "run1-clinic-inbound.bay-ehr.dlq",
            "'run1-clinic-inbound.bay-ehr.dlq' is not in the topic catalogue",
        ),
        (
            "run1-clinic-inbound.cove-ehr",
            f"'run1-clinic-inbound.cove-ehr' is not the source of {INBOUND}.dlq",
        ),
        ("run1-person-events", f"'run1-person-events' is not the source of {INBOUND}.dlq"),
    ],
)
def test_a_replay_goes_only_back_to_the_catalogue_topic_it_came_from(
    original: str | None, why: str
) -> None:
    plan = plan_replay(letter(original=original, offset=5), topics=TOPICS)
    assert plan == NotReplayable(f"{INBOUND}.dlq:2:5", why)


@pytest.mark.parametrize(
    "given",
    ["clinic-inbound.bay-ehr", "clinic-inbound.bay-ehr.dlq", INBOUND, f"{INBOUND}.dlq"],
)
def test_a_clinic_topic_is_named_by_its_name_or_dead_letter_name(given: str) -> None:
    assert resolve_dead_letter_topic(given, topics=TOPICS) == f"{INBOUND}.dlq"


@pytest.mark.parametrize(
    "given", ["person-events", "person-events.dlq", "run1-person-events", "run1-person-events.dlq"]
)
def test_a_topic_is_named_by_its_catalogue_name_or_dead_letter_name(given: str) -> None:
    assert resolve_dead_letter_topic(given, topics=TOPICS) == "run1-person-events.dlq"


def test_the_old_shared_clinic_topic_says_where_clinics_publish_now() -> None:
    with pytest.raises(KeyError, match=r"one topic per clinic now: clinic-inbound\.<clinic>"):
        resolve_dead_letter_topic("clinic-inbound.dlq", topics=TOPICS)


def test_a_topic_outside_the_catalogue_is_refused() -> None:
    with pytest.raises(KeyError, match="not in the topic catalogue"):
        resolve_dead_letter_topic("run1-billing.dlq", topics=TOPICS)
