"""Dead letters as on-call engineers see them: counted and described without health data.
Pure: Kafka is read and written in `dead_letter_kafka`.

A dead letter's body is an event that was refused, often because it is malformed, so any
part of it may carry health data. The view never shows `data`, and shows an envelope
attribute only when its value has the shape of an identifier, an event type or a time.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from peerlink_shared.messaging.dead_letter_headers import (
    ORIGINAL_OFFSET_HEADER,
    ORIGINAL_PARTITION_HEADER,
    ORIGINAL_TOPIC_HEADER,
    REASON_CODE_HEADER,
    REASON_HEADER,
)
from peerlink_shared.messaging.strict_json import JsonRefusal, loads

# No spaces: names, diagnoses and free text are withheld even in an attribute meant for ids.
_IDENTIFIER = re.compile(r"[A-Za-z0-9._:/@+=-]{1,128}")
_EVENT_TYPE = re.compile(r"peerlink(\.[a-z][a-z0-9-]*)+\.v[0-9]{1,4}")

BodyShape = Literal["json", "not_utf8", "not_json", "not_an_object"]


@dataclass(frozen=True)
class DeadLetter:
    """One record as read from a `.dlq` topic."""

    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    key: bytes | None
    value: bytes
    headers: Mapping[str, bytes]

    def header(self, name: str) -> str | None:
        raw = self.headers.get(name)
        return None if raw is None else raw.decode("utf-8", errors="replace")

    @property
    def reason_code(self) -> str:
        return self.header(REASON_CODE_HEADER) or "(none)"

    @property
    def original_topic(self) -> str:
        return self.header(ORIGINAL_TOPIC_HEADER) or "(none)"

    @property
    def position(self) -> str:
        return f"{self.topic}:{self.partition}:{self.offset}"


@dataclass(frozen=True)
class EnvelopeMetadata:
    """The envelope attributes that say which event it is, never what it says."""

    event_id: str
    event_type: str
    source: str
    subject: str
    time: str
    correlation_id: str


@dataclass(frozen=True)
class DeadLetterView:
    """What `inspect` may print: where the letter is, why, and the envelope metadata."""

    dlq_topic: str
    dlq_partition: int
    dlq_offset: int
    timestamp: str
    original_topic: str | None
    original_partition: str | None
    original_offset: str | None
    reason_code: str
    reason: str | None
    key: str
    body_bytes: int
    body: BodyShape
    envelope: EnvelopeMetadata | None


def view(letter: DeadLetter) -> DeadLetterView:
    shape, document = parse_body(letter.value)
    return DeadLetterView(
        dlq_topic=letter.topic,
        dlq_partition=letter.partition,
        dlq_offset=letter.offset,
        timestamp=format_timestamp(letter.timestamp_ms),
        original_topic=letter.header(ORIGINAL_TOPIC_HEADER),
        original_partition=letter.header(ORIGINAL_PARTITION_HEADER),
        original_offset=letter.header(ORIGINAL_OFFSET_HEADER),
        reason_code=letter.reason_code,
        reason=letter.header(REASON_HEADER),
        key=shown_key(letter.key),
        body_bytes=len(letter.value),
        body=shape,
        envelope=None if document is None else envelope_metadata(document),
    )


def envelope_metadata(document: Mapping[str, object]) -> EnvelopeMetadata:
    return EnvelopeMetadata(
        event_id=shown_identifier(document.get("id")),
        event_type=shown_event_type(document.get("type")),
        source=shown_identifier(document.get("source")),
        subject=shown_identifier(document.get("subject")),
        time=shown_time(document.get("time")),
        correlation_id=shown_identifier(document.get("correlationid")),
    )


def parse_body(value: bytes) -> tuple[BodyShape, dict[str, object] | None]:
    """Read as strictly as the consumer did: a letter refused for its depth or an ambiguous
    key must not crash the tools (or be shown as one of its readings)."""
    document = loads(value)
    if isinstance(document, JsonRefusal):
        return ("not_utf8" if document.code == "not_utf8" else "not_json"), None
    if not isinstance(document, dict):
        return "not_an_object", None
    return "json", document


def shown_identifier(value: object) -> str:
    if isinstance(value, str) and _IDENTIFIER.fullmatch(value):
        return value
    return withheld(value)


def shown_event_type(value: object) -> str:
    if isinstance(value, str) and _EVENT_TYPE.fullmatch(value):
        return value
    return withheld(value)


def shown_time(value: object) -> str:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value).isoformat()
        except ValueError:
            pass
    return withheld(value)


def shown_key(key: bytes | None) -> str:
    if key is None:
        return "(none)"
    try:
        return shown_identifier(key.decode("utf-8"))
    except UnicodeDecodeError:
        return f"(withheld: {len(key)} bytes, not UTF-8)"


def withheld(value: object) -> str:
    """Says what kind of value is there, never the value."""
    if value is None:
        return "(missing)"
    if isinstance(value, str):
        return f"(withheld: {len(value)} chars)"
    kinds = {dict: "object", list: "array", bool: "boolean", int: "number", float: "number"}
    return f"(withheld: {kinds.get(type(value), 'value')})"


def format_timestamp(timestamp_ms: int) -> str:
    return datetime.fromtimestamp(timestamp_ms / 1000, tz=UTC).isoformat(timespec="milliseconds")


@dataclass
class TopicSummary:
    """Counts of one dead-letter topic, added to one letter at a time (topics can be large)."""

    topic: str
    count: int = 0
    by_reason: Counter[str] = field(default_factory=Counter)
    by_original_topic: Counter[str] = field(default_factory=Counter)
    oldest_ms: int | None = None
    newest_ms: int | None = None

    def add(self, letter: DeadLetter) -> None:
        self.count += 1
        self.by_reason[letter.reason_code] += 1
        self.by_original_topic[letter.original_topic] += 1
        stamp = letter.timestamp_ms
        self.oldest_ms = stamp if self.oldest_ms is None else min(self.oldest_ms, stamp)
        self.newest_ms = stamp if self.newest_ms is None else max(self.newest_ms, stamp)

    def as_dict(self) -> dict[str, object]:
        return {
            "topic": self.topic,
            "count": self.count,
            "by_reason": dict(sorted(self.by_reason.items())),
            "by_original_topic": dict(sorted(self.by_original_topic.items())),
            "oldest": None if self.oldest_ms is None else format_timestamp(self.oldest_ms),
            "newest": None if self.newest_ms is None else format_timestamp(self.newest_ms),
        }
