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


REASON_CODE_PATTERN = r"^[a-z0-9_]{1,64}$"
ExternalChannel = Literal["email", "webhook", "sms"]


class MessageDelivered(Payload):
    """A message reached the recipient's address on one channel (the address is not said)."""

    TYPE: ClassVar[str] = "peerlink.notification.message-delivered"

    message_id: str = Field(
        min_length=1, max_length=64, description="The message (its in-app record's id)."
    )
    delivery_id: str = Field(
        min_length=1,
        max_length=64,
        description="One per (event, recipient, channel); the receiver's idempotency key.",
    )
    recipient_id: str = Field(pattern=OPAQUE_ID_PATTERN, description="A person or a centre.")
    channel: ExternalChannel
    attempts: int = Field(ge=1, description="Attempts it took, this one included.")


class MessageDeliveryFailed(Payload):
    """A message will not reach the recipient on one channel; `reason` is a code, never an
    address or a server's words."""

    TYPE: ClassVar[str] = "peerlink.notification.message-delivery-failed"

    message_id: str = Field(min_length=1, max_length=64)
    delivery_id: str = Field(min_length=1, max_length=64)
    recipient_id: str = Field(pattern=OPAQUE_ID_PATTERN)
    channel: ExternalChannel
    attempts: int = Field(ge=0)
    reason: str = Field(
        pattern=REASON_CODE_PATTERN,
        description="Why it stopped.",
        examples=["webhook_failed", "smtp_550", "attempts_exhausted", "no_consent"],
    )
    last_error: str = Field(
        pattern=REASON_CODE_PATTERN,
        description="What the last attempt met.",
        examples=["webhook_failed", "smtp_unreachable"],
    )
