"""Reasons an event is refused, and the dead-letter copy that keeps it for inspection and replay.

A reason names the failed check and the field paths, never the input values: pydantic echoes
input in its errors, and these are health records.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from enum import StrEnum

from faststream.kafka import KafkaBroker
from pydantic import ValidationError

from peerlink_shared.messaging.dead_letter_headers import (
    ATTEMPTS_HEADER,
    ORIGINAL_OFFSET_HEADER,
    ORIGINAL_PARTITION_HEADER,
    ORIGINAL_TOPIC_HEADER,
    REASON_CODE_HEADER,
    REASON_HEADER,
)
from peerlink_shared.messaging.topics import dead_letter_topic


class ReasonCode(StrEnum):
    NOT_UTF8 = "not_utf8"
    MALFORMED_JSON = "malformed_json"
    INVALID_ENVELOPE = "invalid_envelope"
    UNKNOWN_EVENT_TYPE = "unknown_event_type"
    INVALID_PAYLOAD = "invalid_payload"
    OVERSIZED = "oversized"
    HANDLER_FAILED = "handler_failed"
    SUBJECT_MISMATCH = "subject_mismatch"
    UNKNOWN_PERSON = "unknown_person"
    UNKNOWN_CENTRE = "unknown_centre"
    INCOHERENT_FACT = "incoherent_fact"
    EVENT_ID_REUSED = "event_id_reused"
    FORBIDDEN_KEY = "forbidden_key"
    NOT_LINKED = "not_linked"
    TOO_DEEP = "too_deep"
    DUPLICATE_KEY = "duplicate_key"
    NUMBER_OUT_OF_RANGE = "number_out_of_range"
    UNPARSEABLE = "unparseable"
    SENDER_NOT_ALLOWED = "sender_not_allowed"
    SEAL_BROKEN = "seal_broken"


@dataclass(frozen=True)
class Refusal:
    code: ReasonCode
    detail: str
    attempts: int | None = None  # how often a handler tried, when it kept failing

    def as_headers(self) -> dict[str, str]:
        headers = {REASON_CODE_HEADER: self.code.value, REASON_HEADER: self.detail}
        if self.attempts is not None:
            headers[ATTEMPTS_HEADER] = str(self.attempts)
        return headers


class Refused(Exception):
    """Raised by a handler for a valid-looking event it must not accept: dead-lettered at once."""

    def __init__(self, code: ReasonCode, detail: str) -> None:
        super().__init__(code.value)
        self.refusal = Refusal(code, detail)


def describe_validation_error(error: ValidationError) -> str:
    """Field paths and error kinds only, e.g. `data.admitted_on: date_from_datetime_parsing`."""
    parts = []
    for item in error.errors(include_input=False, include_url=False, include_context=False):
        location = ".".join(str(part) for part in item["loc"]) or "(root)"
        parts.append(f"{location}: {item['type']}")
    return "; ".join(parts)[:1000]


async def send_to_dead_letters(
    broker: KafkaBroker,
    *,
    topic: str,
    partition: int,
    offset: int,
    key: bytes | None,
    body: bytes,
    refusal: Refusal,
    timeout: float,
) -> None:
    """Copies the original bytes unchanged (so they can be replayed) with the reason in headers."""
    headers = {
        **refusal.as_headers(),
        ORIGINAL_TOPIC_HEADER: topic,
        ORIGINAL_PARTITION_HEADER: str(partition),
        ORIGINAL_OFFSET_HEADER: str(offset),
    }
    await asyncio.wait_for(
        broker.publish(body, topic=dead_letter_topic(topic), key=key, headers=headers),
        timeout=timeout,
    )
