"""Notification events: what was recorded for whom, never what it said or where it went."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from peerlink_shared.contracts.base import OPAQUE_ID_PATTERN, Payload


class MessageRecorded(Payload):
    TYPE: ClassVar[str] = "peerlink.notification.message-recorded"

    message_id: str = Field(min_length=1, max_length=64)
    recipient_id: str = Field(pattern=OPAQUE_ID_PATTERN)
    channel: Literal["in_app", "email", "webhook", "sms"]
    cause_event_id: str = Field(min_length=1, max_length=128)
