"""Centre events, keyed by centre id."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from peerlink_shared.contracts.base import Payload
from peerlink_shared.contracts.fields import DisplayName, OpaqueId, RegionName, TimeZoneName


class CentreRegistered(Payload):
    """A centre was registered or its details changed (last one wins)."""

    TYPE: ClassVar[str] = "peerlink.centre.registered"

    centre_id: OpaqueId = Field(examples=["north-house"])
    display_name: DisplayName = Field(examples=["North House"])
    region: RegionName = Field(examples=["north"])
    timezone: TimeZoneName = Field(description="An IANA time zone name.")
