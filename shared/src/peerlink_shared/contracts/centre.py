"""Centre events, keyed by centre id."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from peerlink_shared.contracts.base import OPAQUE_ID_PATTERN, PLAIN_TEXT_PATTERN, Payload


class CentreRegistered(Payload):
    """A centre was registered or its details changed (last one wins)."""

    TYPE: ClassVar[str] = "peerlink.centre.registered"

    centre_id: str = Field(pattern=OPAQUE_ID_PATTERN, examples=["north-house"])
    display_name: str = Field(
        min_length=1, max_length=120, pattern=PLAIN_TEXT_PATTERN, examples=["North House"]
    )
    region: str = Field(min_length=1, max_length=60, pattern=PLAIN_TEXT_PATTERN, examples=["north"])
    timezone: str = Field(min_length=1, max_length=60, examples=["Europe/Dublin"])
