"""The strict JSON reader: depth counted before parsing, one meaning or a refusal, never a
raise, whatever the bytes."""

from __future__ import annotations

import json

import pytest
from peerlink_shared.messaging.strict_json import MAX_DEPTH, JsonRefusal, loads, nesting_depth

CANARY = "CANARY-Jane-Doe-relapse"


def nested(depth: int, *, opener: str = "[", closer: str = "]", inner: str = "1") -> bytes:
    return (opener * depth + inner + closer * depth).encode()


def objects(depth: int) -> bytes:
    return ('{"a":' * depth + "1" + "}" * depth).encode()


@pytest.mark.parametrize(
    ("body", "depth"),
    [
        (b"1", 0),
        (b"[]", 1),
        (b'{"a": [1, {"b": []}]}', 4),
        (b"[[]][[[]]]", 3),
        (nested(10), 10),
        (objects(7), 7),
        # Brackets inside strings are text, not nesting.
        (b'{"a": "[[[[[[[[[[[[[[[[[[[["}', 1),
        (b'["{{{{{{{{", "]]]]]]]]"]', 1),
        # An escaped quote does not end the string; an escaped backslash does not escape it.
        (b'["\\"[[[[[["]', 1),
        (b'["\\\\", [[]]]', 3),
        (b'["\\\\\\"[[[[", 1]', 1),
        (b'{"\\u005b": "\\u005b"}', 1),
    ],
)
def test_the_depth_is_counted_outside_strings(body: bytes, depth: int) -> None:
    assert nesting_depth(body, stop_above=1000) == depth


def test_counting_stops_past_the_bound() -> None:
    assert nesting_depth(nested(100_000), stop_above=MAX_DEPTH) == MAX_DEPTH + 1


def test_nothing_after_an_unterminated_string_counts() -> None:
    assert nesting_depth(b'[["' + b"[" * 1000, stop_above=1000) == 2


@pytest.mark.parametrize(
    ("name", "body", "code"),
    [
        ("10,000 deep arrays", nested(10_000), "too_deep"),
        ("10,000 deep objects", objects(10_000), "too_deep"),
        ("arrays in objects", ('{"a":[' * 5_000 + "1" + "]}" * 5_000).encode(), "too_deep"),
        ("unbalanced and deep", b"[" * 10_000, "too_deep"),
        ("one past the bound", nested(MAX_DEPTH + 1), "too_deep"),
        ("deep after an escaped quote", b'["\\"", ' + nested(100) + b"]", "too_deep"),
        ("a key twice", b'{"type": "a", "type": "b"}', "duplicate_key"),
        ("a key twice, deep", b'{"data": {"x": [{"k": 1, "k": 1}]}}', "duplicate_key"),
        ("a key twice, by escapes", b'{"type": 1, "\\u0074ype": 2}', "duplicate_key"),
        ("NaN", b'{"level": NaN}', "malformed_json"),
        ("Infinity", b"[Infinity]", "malformed_json"),
        ("-Infinity", b"[-Infinity]", "malformed_json"),
        ("a 5,000-digit integer", b"[" + b"9" * 5_000 + b"]", "number_out_of_range"),
        ("past 64 bits", b"[9223372036854775808]", "number_out_of_range"),
        ("below 64 bits", b"[-9223372036854775809]", "number_out_of_range"),
        ("a float past a double", b"[1e999]", "number_out_of_range"),
        ("a negative float past a double", b"[-1e999]", "number_out_of_range"),
        ("invalid UTF-8", b'{"a": "\xff\xfe"}', "not_utf8"),
        ("a UTF-16 body with its BOM", '{"a": 1}'.encode("utf-16"), "not_utf8"),
        ("UTF-16 big-endian", '{"a": 1}'.encode("utf-16-be"), "malformed_json"),
        ("a UTF-8 BOM", b'\xef\xbb\xbf{"a": 1}', "malformed_json"),
        ("an unpaired high surrogate", b'{"a": "\\ud800"}', "not_utf8"),
        ("an unpaired low surrogate in a key", b'{"\\udc00": 1}', "not_utf8"),
        ("trailing garbage", b'{"a": 1} {"a": 2}', "malformed_json"),
        ("trailing bytes", b'{"a": 1}\x00', "malformed_json"),
        ("empty", b"", "malformed_json"),
        ("only spaces", b"   \n", "malformed_json"),
        ("an unterminated string", b'{"a": "' + b"[" * 10_000, "malformed_json"),
        ("a raw control character in a string", b'{"a": "x\ny"}', "malformed_json"),
        ("single quotes", b"{'a': 1}", "malformed_json"),
    ],
)
def test_hostile_bodies_are_refused_with_a_reason(name: str, body: bytes, code: str) -> None:
    refused = loads(body)
    assert isinstance(refused, JsonRefusal), name
    assert refused.code == code, name


def test_a_refusal_never_quotes_the_input() -> None:
    for body in (
        f'{{"{CANARY}": 1, "{CANARY}": 2}}'.encode(),
        f'{{"a": "{CANARY}", "b": NaN}}'.encode(),
        f'{{"a": "{CANARY}"'.encode(),
        f'[{"[" * 100}"{CANARY}"'.encode(),
    ):
        refused = loads(body)
        assert isinstance(refused, JsonRefusal)
        assert CANARY not in refused.detail


@pytest.mark.parametrize(
    "document",
    [
        {"a": [1, 2, {"b": None}], "c": "[[[{{{", "d": -1.5e300, "e": 9223372036854775807},
        {"name": "Zoë 😀", "quote": 'say "hi" \\ there'},
        [],
        "text",
        0,
    ],
)
def test_ordinary_json_reads_as_json_loads_reads_it(document: object) -> None:
    body = json.dumps(document).encode()
    assert loads(body) == json.loads(body)


def test_the_deepest_accepted_nesting_is_the_bound() -> None:
    assert loads(nested(MAX_DEPTH)) == json.loads(nested(MAX_DEPTH))


def test_equal_keys_in_different_objects_are_fine() -> None:
    assert loads(b'{"a": {"k": 1}, "b": {"k": 2}}') == {"a": {"k": 1}, "b": {"k": 2}}
