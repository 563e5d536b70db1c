"""W3C trace context as the CloudEvents distributed-tracing extension carries it.

`traceparent` and `tracestate` ride in the envelope. Anyone may write them (a clinic's
event arrives with whatever it chose), so they are read tolerantly: a value that is not
valid W3C trace context is dropped, the event is handled as usual, and its consumer starts
a new trace. Never a refusal: a bad trace header is no reason to lose a good fact.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator, Field

# Version 00, lowercase hex, as W3C Trace Context level 1 writes it. A later version's value
# is dropped (a new trace starts) rather than guessed at.
TRACEPARENT_PATTERN = r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"
TRACEPARENT_LENGTH = 55
# W3C: at most 32 list members; vendors may drop a longer header, and 512 characters is
# what every propagator keeps.
TRACESTATE_MAX_LENGTH = 512
TRACESTATE_MAX_MEMBERS = 32
_TRACEPARENT = re.compile(TRACEPARENT_PATTERN)
_KEY = r"(?:[a-z][_0-9a-z\-*/]{0,255}|[a-z0-9][_0-9a-z\-*/]{0,240}@[a-z][_0-9a-z\-*/]{0,13})"
_VALUE = r"[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]"
_MEMBER = re.compile(rf"{_KEY}={_VALUE}")
_ZERO_TRACE = "0" * 32
_ZERO_SPAN = "0" * 16


def traceparent_or_none(value: object) -> str | None:
    """`value` if it is a valid version-00 traceparent, else None."""
    if not isinstance(value, str) or len(value) != TRACEPARENT_LENGTH:
        return None
    if _TRACEPARENT.fullmatch(value) is None:
        return None
    _, trace_id, span_id, _ = value.split("-")
    if trace_id == _ZERO_TRACE or span_id == _ZERO_SPAN:
        return None
    return value


def tracestate_or_none(value: object) -> str | None:
    """`value` if it is a valid W3C tracestate list (empty members allowed), else None."""
    if not isinstance(value, str) or not value or len(value) > TRACESTATE_MAX_LENGTH:
        return None
    members = [member.strip(" \t") for member in value.split(",")]
    present = [member for member in members if member]
    if not present or len(present) > TRACESTATE_MAX_MEMBERS:
        return None
    if any(_MEMBER.fullmatch(member) is None for member in present):
        return None
    return value


# The value type is what the AsyncAPI documents show; the validator drops an invalid value
# before it is checked against it, so no value is ever refused.
Traceparent = Annotated[
    Annotated[
        str,
        Field(
            pattern=TRACEPARENT_PATTERN,
            examples=["00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"],
        ),
    ]
    | None,
    BeforeValidator(traceparent_or_none),
]
Tracestate = Annotated[
    Annotated[str, Field(max_length=TRACESTATE_MAX_LENGTH, examples=["congo=t61rcWkgMzE"])] | None,
    BeforeValidator(tracestate_or_none),
]
