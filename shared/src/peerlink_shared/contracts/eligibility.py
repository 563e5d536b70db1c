"""Eligibility events, published by eligibility only when a decision changes."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from peerlink_shared.contracts.base import Payload
from peerlink_shared.contracts.fields import OpaqueId, ReasonCodeText, RecordDate


class EligibilityChanged(Payload):
    """A (person, centre) decision changed. Reasons are codes, never clinical narrative."""

    TYPE: ClassVar[str] = "peerlink.eligibility.changed"
    SEALED: ClassVar[bool] = True

    person_id: OpaqueId = Field(examples=["p-7f3a9c"])
    centre_id: OpaqueId = Field(examples=["north-house"])
    eligible: bool
    reasons: tuple[ReasonCodeText, ...] = Field(
        max_length=32,
        description="Codes of every failed criterion; empty when eligible.",
        examples=[["sober_too_short"]],
    )
    eligible_from: RecordDate | None = Field(
        default=None, description="When only time is missing: the day it will hold."
    )
    decided_on: RecordDate
