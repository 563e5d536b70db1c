"""JSON from untrusted senders, read so that it means one thing or is refused.

`json.loads` alone is not enough at a door: it recurses once per nesting level (a body
10,000 brackets deep raises RecursionError, not a decoding error), keeps the last of two
equal keys (a gateway reading the first would see another event), accepts `NaN` and
`Infinity` (not JSON), and turns a 5,000-digit number into a ValueError. So the depth is
counted by a cheap scan before parsing, and the parser refuses the rest as it meets it.
Every refusal names the check, never the input.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

# The deepest legitimate event is an envelope, its payload and a list in it (3 levels).
MAX_DEPTH = 32
# MongoDB stores integers in 64 bits; a longer one could only fail later, in a handler.
_INT64 = range(-(2**63), 2**63)
_INT64_DIGITS = 20

# One token per match, covering every byte: a whole string (escapes and all, so brackets
# inside it do not count), one bracket, a run of anything else, or a quote that opens a
# string never closed. Possessive quantifiers: nothing is ever scanned twice.
_TOKENS = re.compile(
    rb'"(?:[^"\\]++|\\.)*+"|([\[{])|([\]}])|[^"\[\]{}]++|(")',
    re.DOTALL,
)
_OPEN, _CLOSE, _UNTERMINATED = 1, 2, 3


# Each is also a dead-letter reason code (`dead_letters.ReasonCode`).
Problem = Literal["not_utf8", "malformed_json", "too_deep", "duplicate_key", "number_out_of_range"]


@dataclass(frozen=True)
class JsonRefusal:
    code: Problem
    detail: str


class _Refused(Exception):
    def __init__(self, code: Problem, detail: str) -> None:
        super().__init__(code)
        self.refusal = JsonRefusal(code, detail)


def nesting_depth(body: bytes, *, stop_above: int = MAX_DEPTH) -> int:
    """The deepest nesting of arrays and objects outside strings, counted without parsing;
    stops counting once past `stop_above`. Unbalanced brackets are for the parser to refuse."""
    depth = deepest = 0
    for token in _TOKENS.finditer(body):
        kind = token.lastindex
        if kind == _OPEN:
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > stop_above:
                    break
        elif kind == _CLOSE:
            depth -= 1
        elif kind == _UNTERMINATED:
            # Nothing after an unterminated string is parsed: the parser stops there.
            break
    return deepest


def loads(body: bytes, *, max_depth: int = MAX_DEPTH) -> object | JsonRefusal:
    """The document in `body` (UTF-8 JSON), or why it is refused. Never raises."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return JsonRefusal("not_utf8", "body is not UTF-8")
    try:
        if nesting_depth(body, stop_above=max_depth) > max_depth:
            return JsonRefusal("too_deep", f"arrays and objects nested deeper than {max_depth}")
        document: object = json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_constant=_no_constants,
            parse_int=_int64,
            parse_float=_finite_float,
        )
        if "\\u" in text and _has_lone_surrogate(document):
            return JsonRefusal("not_utf8", "a string holds an unpaired surrogate escape")
    except _Refused as refused:
        return refused.refusal
    except json.JSONDecodeError as error:
        return JsonRefusal("malformed_json", f"line {error.lineno} column {error.colno}")
    except Exception as error:  # whatever else the parser meets is a refusal too
        return JsonRefusal("malformed_json", f"unreadable ({type(error).__name__})")
    return document


def _unique_keys(pairs: Sequence[tuple[str, object]]) -> dict[str, object]:
    document = dict(pairs)
    if len(document) != len(pairs):
        raise _Refused("duplicate_key", "an object has the same key twice")
    return document


def _no_constants(name: str) -> object:
    raise _Refused("malformed_json", "NaN and Infinity are not JSON")


def _int64(digits: str) -> int:
    value = int(digits) if len(digits) <= _INT64_DIGITS else None
    if value is None or value not in _INT64:
        raise _Refused("number_out_of_range", "an integer beyond 64 bits")
    return value


def _finite_float(digits: str) -> float:
    value = float(digits)
    if not math.isfinite(value):
        raise _Refused("number_out_of_range", "a number beyond the range of a double")
    return value


def _has_lone_surrogate(value: object) -> bool:
    """Whether a string (key or value) holds half a UTF-16 pair, which `\\uD800` escapes can
    smuggle past UTF-8 decoding and which no store or encoder accepts."""
    if isinstance(value, str):
        return not value.isascii() and _unencodable(value)
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(item) for item in value)
    return False


def _unencodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
