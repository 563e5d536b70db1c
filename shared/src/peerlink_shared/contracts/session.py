"""Session events, published by scheduling and keyed by session id."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from peerlink_shared.contracts.base import Payload
from peerlink_shared.contracts.fields import (
    DurationMinutes,
    Moment,
    OpaqueId,
    RecordDate,
    Slot,
    SupportersNeeded,
)

SessionKind = Literal["group"]


class SessionRequested(Payload):
    TYPE: ClassVar[str] = "peerlink.session.requested"

    session_id: OpaqueId
    centre_id: OpaqueId
    kind: SessionKind = "group"
    starts_at: Moment
    duration_minutes: DurationMinutes
    supporters_needed: SupportersNeeded


class MeetingRequested(Payload):
    """A one-on-one meeting with a resident, at any start in the window. The resident is not
    named: who meets whom stays inside scheduling."""

    TYPE: ClassVar[str] = "peerlink.session.meeting-requested"

    session_id: OpaqueId
    centre_id: OpaqueId
    window_starts_at: Moment
    window_ends_at: Moment
    duration_minutes: DurationMinutes


class SupporterAssigned(Payload):
    """For a meeting, `starts_at` is the time matching chose in its window."""

    TYPE: ClassVar[str] = "peerlink.session.supporter-assigned"

    session_id: OpaqueId
    centre_id: OpaqueId
    supporter_id: OpaqueId
    slot: Slot
    starts_at: Moment
    duration_minutes: DurationMinutes
    assigned_on: RecordDate


class SupporterUnassigned(Payload):
    """A supporter no longer holds a slot (they may not serve there any more); the session
    is re-staffed. Carries no reason: consumers must not tell anyone why."""

    TYPE: ClassVar[str] = "peerlink.session.supporter-unassigned"

    session_id: OpaqueId
    centre_id: OpaqueId
    supporter_id: OpaqueId
    slot: Slot
    starts_at: Moment


class SessionFilled(Payload):
    TYPE: ClassVar[str] = "peerlink.session.filled"

    session_id: OpaqueId
    centre_id: OpaqueId
    starts_at: Moment
    supporter_ids: tuple[OpaqueId, ...] = Field(max_length=20)


UnfilledReason = Literal["no_eligible_supporters", "no_free_supporters"]


class SessionUnfilled(Payload):
    """Reported to the session's centre when slots stay open; the reason is about the pool of
    supporters, never about any one person."""

    TYPE: ClassVar[str] = "peerlink.session.unfilled"

    session_id: OpaqueId
    centre_id: OpaqueId
    starts_at: Moment
    open_slots: SupportersNeeded
    reason: UnfilledReason = Field(
        description="no_eligible_supporters: nobody qualifies here yet; no_free_supporters: "
        "those who qualify are booked, away or at their weekly limit."
    )


class SessionCancelled(Payload):
    """The centre cancelled the session; everyone booked on it is released."""

    TYPE: ClassVar[str] = "peerlink.session.cancelled"

    session_id: OpaqueId
    centre_id: OpaqueId
    starts_at: Moment
    supporter_ids: tuple[OpaqueId, ...] = Field(max_length=20)
