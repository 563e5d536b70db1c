"""How untrusted bytes from Kafka become an envelope, or a refusal with its reason.

Each check in order, cheapest first: size, UTF-8, nesting depth (before parsing), JSON
that means one thing (no duplicate keys, no NaN, numbers in range), keys that mean nothing
to MongoDB, the envelope, a type in the catalogue. The payload is checked by the route.
"""

from __future__ import annotations

from pydantic import ValidationError

from peerlink_shared.contracts import PAYLOAD_BY_TYPE
from peerlink_shared.messaging.dead_letters import ReasonCode, Refusal, describe_validation_error
from peerlink_shared.messaging.envelope import Envelope
from peerlink_shared.messaging.strict_json import JsonRefusal, loads

MAX_EVENT_BYTES = 256 * 1024


def parse_envelope(body: bytes) -> Envelope | Refusal:
    """Never raises: a record that fails a check in an unforeseen way is refused too, as it
    would fail the same way on every redelivery."""
    try:
        return _parse(body)
    except Exception as error:  # the one place that must catch everything
        return Refusal(ReasonCode.UNPARSEABLE, f"{type(error).__name__} while parsing")


def _parse(body: bytes) -> Envelope | Refusal:
    if len(body) > MAX_EVENT_BYTES:
        return Refusal(ReasonCode.OVERSIZED, f"{len(body)} bytes > {MAX_EVENT_BYTES}")
    document = loads(body)
    if isinstance(document, JsonRefusal):
        return Refusal(ReasonCode(document.code), document.detail)
    if (where := _forbidden_key(document, "the envelope")) is not None:
        return Refusal(ReasonCode.FORBIDDEN_KEY, where)
    try:
        envelope = Envelope.model_validate(document)
    except ValidationError as error:
        return Refusal(ReasonCode.INVALID_ENVELOPE, describe_validation_error(error))
    if envelope.type not in PAYLOAD_BY_TYPE:
        # Only the type string's shape is described, not the value itself.
        return Refusal(ReasonCode.UNKNOWN_EVENT_TYPE, "type is not in the contract catalogue")
    return envelope


def _forbidden_key(value: object, where: str) -> str | None:
    """Whether a key starts with '$', holds a '.' or a NUL, at any depth: such keys mean
    something to MongoDB and nothing to any contract. Names only the envelope field it is
    under (keys may be anything a sender chose, names included). Depth is bounded before
    parsing, so the recursion is too."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key.startswith("$") or "." in key or "\x00" in key:
                return f"a key under {where} starts with '$' or holds '.' or NUL"
            inner = where if where != "the envelope" else f"'{key}'" if key.isidentifier() else "?"
            if (found := _forbidden_key(item, inner)) is not None:
                return found
    elif isinstance(value, list):
        for item in value:
            if (found := _forbidden_key(item, where)) is not None:
                return found
    return None
