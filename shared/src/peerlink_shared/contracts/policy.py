"""Policy events, published by eligibility when a centre's qualification policy changes."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from peerlink_shared.contracts.base import Payload
from peerlink_shared.contracts.fields import OpaqueId


class PolicyChanged(Payload):
    """A new version of a centre's policy; every field is the whole policy, not a diff."""

    TYPE: ClassVar[str] = "peerlink.policy.changed"

    centre_id: OpaqueId = Field(examples=["north-house"])
    version: int = Field(ge=1, le=2**31 - 1)
    accept_network_graduates: bool = Field(
        description="Graduates of any centre qualify, not only this centre's."
    )
    min_sober_days: int = Field(ge=0, le=3650, examples=[365])
    cooling_off_days: int = Field(ge=0, le=3650, description="Days after discharge; 0 = none.")
    craving_threshold: int = Field(ge=0, le=10, description="Latest check-in at or below this.")
    craving_max_age_days: int = Field(ge=1, le=365, description="The check-in may be this old.")
    require_training: bool
    require_background_check: bool
