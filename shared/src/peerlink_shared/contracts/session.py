"""Session events, published by scheduling and keyed by session id."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field

from peerlink_shared.contracts.base import OPAQUE_ID_PATTERN, Payload

SessionKind = Literal["group"]


class SessionRequested(Payload):
    TYPE: ClassVar[str] = "peerlink.session.requested"

    session_id: str = Field(pattern=OPAQUE_ID_PATTERN)
    centre_id: str = Field(pattern=OPAQUE_ID_PATTERN)
    kind: SessionKind = "group"
    starts_at: AwareDatetime
    duration_minutes: int = Field(ge=15, le=480)
    supporters_needed: int = Field(ge=1, le=20)


class MeetingRequested(Payload):
    """A one-on-one meeting with a resident, at any start in the window. The resident is not
    named: who meets whom stays inside scheduling."""

    TYPE: ClassVar[str] = "peerlink.session.meeting-requested"

    session_id: str = Field(pattern=OPAQUE_ID_PATTERN)
    centre_id: str = Field(pattern=OPAQUE_ID_PATTERN)
    window_starts_at: AwareDatetime
    window_ends_at: AwareDatetime
    duration_minutes: int = Field(ge=15, le=480)


class SupporterAssigned(Payload):
    """For a meeting, `starts_at` is the time matching chose in its window."""

    TYPE: ClassVar[str] = "peerlink.session.supporter-assigned"

    session_id: str = Field(pattern=OPAQUE_ID_PATTERN)
    centre_id: str = Field(pattern=OPAQUE_ID_PATTERN)
    supporter_id: str = Field(pattern=OPAQUE_ID_PATTERN)
    slot: int = Field(ge=0)
    starts_at: AwareDatetime
    duration_minutes: int = Field(ge=15, le=480)
    assigned_on: dt.date


class SupporterUnassigned(Payload):
    """A supporter no longer holds a slot (they may not serve there any more); the session
    is re-staffed. Carries no reason: consumers must not tell anyone why."""

    TYPE: ClassVar[str] = "peerlink.session.supporter-unassigned"

    session_id: str = Field(pattern=OPAQUE_ID_PATTERN)
    centre_id: str = Field(pattern=OPAQUE_ID_PATTERN)
    supporter_id: str = Field(pattern=OPAQUE_ID_PATTERN)
    slot: int = Field(ge=0)
    starts_at: AwareDatetime


class SessionFilled(Payload):
    TYPE: ClassVar[str] = "peerlink.session.filled"

    session_id: str = Field(pattern=OPAQUE_ID_PATTERN)
    centre_id: str = Field(pattern=OPAQUE_ID_PATTERN)
    starts_at: AwareDatetime
    supporter_ids: tuple[str, ...]


UnfilledReason = Literal["no_eligible_supporters", "no_free_supporters"]


class SessionUnfilled(Payload):
    """Reported to the session's centre when slots stay open; the reason is about the pool of
    supporters, never about any one person."""

    TYPE: ClassVar[str] = "peerlink.session.unfilled"

    session_id: str = Field(pattern=OPAQUE_ID_PATTERN)
    centre_id: str = Field(pattern=OPAQUE_ID_PATTERN)
    starts_at: AwareDatetime
    open_slots: int = Field(ge=1)
    reason: UnfilledReason = Field(
        description="no_eligible_supporters: nobody qualifies here yet; no_free_supporters: "
        "those who qualify are booked, away or at their weekly limit."
    )


class SessionCancelled(Payload):
    """The centre cancelled the session; everyone booked on it is released."""

    TYPE: ClassVar[str] = "peerlink.session.cancelled"

    session_id: str = Field(pattern=OPAQUE_ID_PATTERN)
    centre_id: str = Field(pattern=OPAQUE_ID_PATTERN)
    starts_at: AwareDatetime
    supporter_ids: tuple[str, ...]
