"""Eligibility events, published by eligibility only when a decision changes."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from pydantic import Field

from peerlink_shared.contracts.base import OPAQUE_ID_PATTERN, Payload


class EligibilityChanged(Payload):
    """A (person, centre) decision changed. Reasons are codes, never clinical narrative."""

    TYPE: ClassVar[str] = "peerlink.eligibility.changed"

    person_id: str = Field(pattern=OPAQUE_ID_PATTERN, examples=["p-7f3a9c"])
    centre_id: str = Field(pattern=OPAQUE_ID_PATTERN, examples=["north-house"])
    eligible: bool
    reasons: tuple[str, ...] = Field(
        description="Codes of every failed criterion; empty when eligible.",
        examples=[["sober_too_short"]],
    )
    eligible_from: dt.date | None = Field(
        default=None, description="When only time is missing: the day it will hold."
    )
    decided_on: dt.date
