"""Untrusted bytes are refused with a reason code that never echoes the input."""

from __future__ import annotations

import json

import pytest
from peerlink_shared.messaging.dead_letters import ReasonCode, Refusal
from peerlink_shared.messaging.envelope import Envelope
from peerlink_shared.messaging.parsing import MAX_EVENT_BYTES, parse_envelope

CANARY = "CANARY-Jane-Doe-heroin"
# A placeholder `envelope_json` replaces with a list nested 10,000 deep.
DEEP = "__DEEP__"


def envelope_json(**overrides: object) -> bytes:
    document: dict[str, object] = {
        "specversion": "1.0",
        "id": "e-1",
        "source": "/clinic",
        "type": "peerlink.person.admission-recorded.v1",
        "subject": "p-1",
        "time": "2026-01-02T00:00:00Z",
        "correlationid": "c-1",
        "data": {"person_id": "p-1", "centre_id": "north", "admitted_on": "2026-01-02"},
    }
    document.update(overrides)
    return (
        json.dumps(document).encode().replace(f'"{DEEP}"'.encode(), b"[" * 10_000 + b"]" * 10_000)
    )


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"\xff\xfe" + CANARY.encode(), ReasonCode.NOT_UTF8),
        (f'{{"id": "{CANARY}"'.encode(), ReasonCode.MALFORMED_JSON),
        (json.dumps({"note": CANARY}).encode(), ReasonCode.INVALID_ENVELOPE),
        (envelope_json(time=CANARY), ReasonCode.INVALID_ENVELOPE),
        (envelope_json(type=CANARY), ReasonCode.UNKNOWN_EVENT_TYPE),
        (
            envelope_json(type="peerlink.person.admission-recorded.v9"),
            ReasonCode.UNKNOWN_EVENT_TYPE,
        ),
        (
            envelope_json(data={"x": CANARY * (MAX_EVENT_BYTES // len(CANARY))}),
            ReasonCode.OVERSIZED,
        ),
        (
            envelope_json(data={"person_id": "p-1", f"${CANARY}": 1, "admitted_on": "2026-01-02"}),
            ReasonCode.FORBIDDEN_KEY,
        ),
        (envelope_json(data={"person_id": "p-1", f"a.{CANARY}": 1}), ReasonCode.FORBIDDEN_KEY),
        (envelope_json(**{f"$set{CANARY}": {}}), ReasonCode.FORBIDDEN_KEY),
        (
            envelope_json(data={"person_id": "p-1", CANARY: [{"$gt": ""}]}),
            ReasonCode.FORBIDDEN_KEY,
        ),
        (envelope_json(data={"x": DEEP}), ReasonCode.TOO_DEEP),
        (
            envelope_json().replace(b'"type":', f'"type": "{CANARY}", "type":'.encode()),
            ReasonCode.DUPLICATE_KEY,
        ),
        (envelope_json(data={"level": 10**30, "note": CANARY}), ReasonCode.NUMBER_OUT_OF_RANGE),
        (envelope_json(subject=f"p {CANARY}"), ReasonCode.INVALID_ENVELOPE),
        (envelope_json(id=f"e\u0000{CANARY}"), ReasonCode.INVALID_ENVELOPE),
        (envelope_json(time="0001-01-01T00:00:00Z"), ReasonCode.INVALID_ENVELOPE),
    ],
)
def test_refused_with_a_reason_and_without_the_input(body: bytes, code: ReasonCode) -> None:
    refused = parse_envelope(body)
    assert isinstance(refused, Refusal)
    assert refused.code is code
    assert CANARY not in refused.detail
    assert "CANARY" not in json.dumps(refused.as_headers())


def test_invalid_envelope_names_the_field() -> None:
    refused = parse_envelope(envelope_json(time=CANARY))
    assert isinstance(refused, Refusal)
    assert refused.detail.startswith("time:")


def test_a_valid_envelope_passes() -> None:
    assert isinstance(parse_envelope(envelope_json()), Envelope)


def test_a_check_failing_unforeseen_is_a_refusal_not_a_crash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def explode(document: object) -> Envelope:
        raise RecursionError(CANARY)

    monkeypatch.setattr(Envelope, "model_validate", explode)
    refused = parse_envelope(envelope_json())
    assert refused == Refusal(ReasonCode.UNPARSEABLE, "RecursionError while parsing")


def test_the_first_duplicate_is_not_silently_dropped() -> None:
    """pydantic's and json's readers keep the last of two equal keys; a gateway may keep
    the first. Neither reading wins: the event is refused."""
    relapse = "peerlink.person.relapse-recorded.v1"
    body = envelope_json().replace(b'"type":', f'"type": "{relapse}", "type":'.encode())
    assert json.loads(body)["type"] == "peerlink.person.admission-recorded.v1"
    refused = parse_envelope(body)
    assert isinstance(refused, Refusal)
    assert refused.code is ReasonCode.DUPLICATE_KEY
