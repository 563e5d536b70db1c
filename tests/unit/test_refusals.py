"""Untrusted bytes are refused with a reason code that never echoes the input."""

from __future__ import annotations

import json

import pytest
from peerlink_shared.consumer import MAX_EVENT_BYTES, parse_envelope
from peerlink_shared.dead_letters import ReasonCode, Refusal
from peerlink_shared.envelope import Envelope

CANARY = "CANARY-Jane-Doe-heroin"


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
    return json.dumps(document).encode()


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
