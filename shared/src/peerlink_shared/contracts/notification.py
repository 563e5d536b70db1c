"""Notification events: what was recorded for whom, never what it said or where it went."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from peerlink_shared.contracts.base import Payload
from peerlink_shared.contracts.fields import EventId, OpaqueId, ReasonCodeText


class MessageRecorded(Payload):
    TYPE: ClassVar[str] = "peerlink.notification.message-recorded"

    message_id: OpaqueId
    recipient_id: OpaqueId
    channel: Literal["in_app", "email", "webhook", "sms"]
    cause_event_id: EventId


# Attempts at one delivery: the delivery policy allows at most 20.
Attempts = Annotated[int, Field(le=1000)]
ExternalChannel = Literal["email", "webhook", "sms"]


class MessageDelivered(Payload):
    """A message reached the recipient's address on one channel (the address is not said)."""

    TYPE: ClassVar[str] = "peerlink.notification.message-delivered"

    message_id: OpaqueId = Field(description="The message (its in-app record's id).")
    delivery_id: OpaqueId = Field(
        description="One per (event, recipient, channel); the receiver's idempotency key."
    )
    recipient_id: OpaqueId = Field(description="A person or a centre.")
    channel: ExternalChannel
    attempts: Attempts = Field(ge=1, description="Attempts it took, this one included.")


class MessageDeliveryFailed(Payload):
    """A message will not reach the recipient on one channel; `reason` is a code, never an
    address or a server's words."""

    TYPE: ClassVar[str] = "peerlink.notification.message-delivery-failed"

    message_id: OpaqueId
    delivery_id: OpaqueId
    recipient_id: OpaqueId
    channel: ExternalChannel
    attempts: Attempts = Field(ge=0)
    reason: ReasonCodeText = Field(
        description="Why it stopped.",
        examples=["webhook_failed", "smtp_550", "attempts_exhausted", "no_consent"],
    )
    last_error: ReasonCodeText = Field(
        description="What the last attempt met.",
        examples=["webhook_failed", "smtp_unreachable"],
    )
