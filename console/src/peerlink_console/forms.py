"""What the console's forms post, checked before anything is sent to a service."""

from __future__ import annotations

import datetime as dt
from typing import Literal
from zoneinfo import ZoneInfo

from peerlink_shared.contracts.base import OPAQUE_ID_PATTERN
from pydantic import BaseModel, ConfigDict, Field


class Form(BaseModel):
    # The CSRF token travels in every form; it is checked by its own dependency.
    model_config = ConfigDict(extra="ignore")


class PolicyForm(Form):
    """An unticked checkbox is absent from a form: absent means no."""

    min_sober_days: int = Field(ge=0, le=3650)
    cooling_off_days: int = Field(ge=0, le=3650)
    craving_threshold: int = Field(ge=0, le=10)
    craving_max_age_days: int = Field(ge=1, le=365)
    accept_network_graduates: bool = False
    require_training: bool = False
    require_background_check: bool = False
    expected_version: int = Field(ge=0, le=2**31 - 1)

    def body(self) -> dict[str, object]:
        return self.model_dump()


class SessionForm(Form):
    day: dt.date
    starts: dt.time
    duration_minutes: int = Field(ge=15, le=480)
    supporters_needed: int = Field(default=1, ge=1, le=20)

    def body(self, timezone: str) -> dict[str, object]:
        """The start in the centre's own timezone, as the coordinator means it."""
        starts_at = dt.datetime.combine(self.day, self.starts, tzinfo=ZoneInfo(timezone))
        return {
            "starts_at": starts_at.isoformat(),
            "duration_minutes": self.duration_minutes,
            "supporters_needed": self.supporters_needed,
        }


class TokenForm(Form):
    token: str = Field(min_length=1, max_length=8192)


class MintForm(Form):
    role: Literal["coordinator", "ops"]
    centre: str = Field(pattern=r"^(\*|[A-Za-z0-9_-]{1,64})$")
    subject: str = Field(pattern=OPAQUE_ID_PATTERN)
