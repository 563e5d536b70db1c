"""What the use cases need of the world: the stores of sessions and of supporters, and a
publisher of session events. The adapters implement these; tests/fakes/scheduling.py fakes
them in memory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import NotRequired, Protocol, TypedDict, Unpack

from peerlink_shared.clock import Clock
from peerlink_shared.contracts import CentreRegistered
from peerlink_shared.contracts.base import Payload
from peerlink_shared.messaging.envelope import Envelope
from peerlink_shared.messaging.publishing import Cause

from peerlink_scheduling.domain.availability import Availability
from peerlink_scheduling.domain.bookings import Assignment, Candidate
from peerlink_scheduling.domain.matching import Booking, SessionRequest
from peerlink_scheduling.domain.network import Network
from peerlink_scheduling.domain.stays import Admitted, Left


class SlotClaim(TypedDict):
    """Who takes a session's slot, at which start, why, and when it was decided."""

    slot: int
    supporter_id: str
    starts_at: datetime
    why: str
    at: datetime


class MayServe(TypedDict):
    """Whether a person may serve at a centre (or from which day), and the event that said
    so (None: not from an event)."""

    person_id: str
    centre_id: str
    eligible: bool
    eligible_from: date | None
    changed_by: NotRequired[str | None]


Recorded = tuple[bool, date | None, str | None]  # eligible, eligible_from, changed_by


def changes_view(before: Recorded | None, change: MayServe) -> bool:
    """What `Supporters.set_eligible` answers, from what was recorded before (None: nothing)."""
    eligible, since, by = change["eligible"], change["eligible_from"], change.get("changed_by")
    if before is None:
        return eligible or since is not None
    return before[:2] != (eligible, since) or by is None or before[2] == by


class Sessions(Protocol):
    """Sessions, their assignments and the supporters' time holds."""

    async def add_session(self, request: SessionRequest, *, at: datetime) -> None: ...

    async def session(self, session_id: str) -> SessionRequest | None: ...

    async def cancel_session(self, session_id: str, *, at: datetime) -> None: ...

    async def is_cancelled(self, session_id: str) -> bool: ...

    async def upcoming_sessions(
        self, centre_id: str, *, after: datetime
    ) -> list[SessionRequest]: ...

    async def upcoming_meetings_of(
        self, resident_id: str, *, after: datetime
    ) -> list[SessionRequest]:
        """Meetings requested for this resident that are still to come and not cancelled."""
        ...

    async def met_before(self, resident_id: str) -> frozenset[str]:
        """Supporters who were assigned to this resident's meetings (continuity)."""
        ...

    async def assignments_of(self, session_id: str) -> list[Assignment]: ...

    async def bookings_of(self, supporter_ids: list[str]) -> dict[str, list[Booking]]:
        """Every booking of each of these supporters (none: an empty list). A fill asks once
        for its whole pool; the store reads each by its indexed supporter lookup, a bounded
        few side by side, as `candidates_at` does."""
        ...

    async def bookings_for_supporter(self, supporter_id: str) -> list[Assignment]: ...

    async def future_assignments(
        self, *, supporter_id: str, centre_id: str, after: datetime
    ) -> list[Assignment]: ...

    async def future_assignments_anywhere(
        self, supporter_id: str, *, after: datetime
    ) -> list[Assignment]: ...

    async def claim_slot(self, request: SessionRequest, **claim: Unpack[SlotClaim]) -> bool:
        """True if this writer got the slot; False if another writer got it, or the
        supporter already holds a slot of this session."""
        ...

    async def release(self, slot_id: str) -> None:
        """Frees the slot for someone else."""
        ...

    async def mark_announced(self, slot_id: str) -> None: ...

    async def hold_time(
        self, supporter_id: str, starts_at: datetime, ends_at: datetime, *, session_id: str
    ) -> str | None:
        """Claims every 5-minute bucket of the supporter's time, all or nothing; returns the
        attempt's token, or None if any bucket is held by someone else (even this session,
        from a racing replica: only one attempt may win)."""
        ...

    async def free_time(
        self, supporter_id: str, starts_at: datetime, ends_at: datetime, *, token: str | None
    ) -> None:
        """Frees the supporter's time held by one attempt (token), or by any (None)."""
        ...

    async def staffing_reported(self, session_id: str) -> str | None: ...

    async def mark_staffing_reported(self, session_id: str, state: str) -> None: ...

    async def forget_bookings(self, person_id: str) -> dict[str, int]:
        """Deletes what is left of the person's bookings (the past ones) and their held time;
        a session or booking that named them as its resident keeps only
        that it had one; a staffing state naming them names an erased supporter instead."""
        ...


class Supporters(Protocol):
    """Who may serve where and when, the centres, stays and exclusions."""

    async def set_eligible(self, **change: Unpack[MayServe]) -> bool:
        """Records who may serve where; True unless scheduling's view was already this, set
        by an earlier event (no record reads as not eligible). The same event again counts
        as a change: its work may have been cut short by a crash."""
        ...

    async def eligibility_at(self, centre_id: str) -> dict[str, date]:
        """Who may serve at the centre, and from which day (date.min: already)."""
        ...

    async def candidates_at(self, centre_id: str) -> list[Candidate]:
        """Everyone who may serve at the centre, in id order. A fill asks once; the store
        reads each candidate by `_id` (indexed point lookups, at most 8 in flight: about
        ceil(N/16) round trips), never one after another and never by a `$in`: FerretDB v1,
        the dev/CI server, scans the collection for a `$in` (20 candidates among 5,000
        supporters: a fill took 1.5-2.2 s instead of 84 ms)."""
        ...

    async def save_centre(self, centre: CentreRegistered) -> None: ...

    async def network(self) -> Network: ...

    async def timezone_of(self, centre_id: str) -> str: ...

    async def record_admission(self, person_id: str, admitted: Admitted) -> None: ...

    async def record_leaving(self, person_id: str, left: Left) -> None: ...

    async def history_of(self, person_id: str) -> tuple[list[Admitted], list[Left]]: ...

    async def set_exclusions(
        self, centre_id: str, resident_id: str, supporters: list[str]
    ) -> None: ...

    async def exclusions(self, centre_id: str, resident_id: str) -> frozenset[str]: ...

    async def set_availability(self, supporter_id: str, availability: Availability) -> None: ...

    async def forget_supporter(self, person_id: str) -> dict[str, int]:
        """Who may serve where, their availability and their stays: gone, so matching no
        longer sees them."""
        ...

    async def forget_exclusions(self, person_id: str) -> dict[str, int]:
        """The person's own exclusion lists go; they leave everyone else's."""
        ...


class EventPublisher(Protocol):
    """Publishes on one topic through the outbox
    (`peerlink_shared.messaging.publishing.Publisher`)."""

    async def publish(
        self, payload: Payload, *, subject: str, cause: Cause, event_id: str | None = None
    ) -> Envelope: ...


@dataclass(frozen=True)
class Ports:
    """Everything scheduling's use cases reach the world through, injected once by bootstrap."""

    sessions: Sessions
    supporters: Supporters
    events: EventPublisher
    clock: Clock
