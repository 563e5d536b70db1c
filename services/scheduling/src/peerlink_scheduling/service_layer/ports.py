"""What the use cases need of the world: the stores of sessions and of supporters, and a
publisher of session events. The adapters implement these; tests/fakes/scheduling.py fakes
them in memory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

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
    ) -> list[SessionRequest]: ...

    async def met_before(self, resident_id: str) -> frozenset[str]: ...

    async def assignments_of(self, session_id: str) -> list[Assignment]: ...

    async def bookings_of(self, supporter_ids: list[str]) -> dict[str, list[Booking]]:
        """Every booking of each of these supporters (none: an empty list), read in one
        query however many they are: a fill reads its whole pool's at once."""
        ...

    async def bookings_for_supporter(self, supporter_id: str) -> list[Assignment]: ...

    async def future_assignments(
        self, *, supporter_id: str, centre_id: str, after: datetime
    ) -> list[Assignment]: ...

    async def future_assignments_anywhere(
        self, supporter_id: str, *, after: datetime
    ) -> list[Assignment]: ...

    async def claim_slot(
        self,
        request: SessionRequest,
        *,
        slot: int,
        supporter_id: str,
        starts_at: datetime,
        why: str,
        at: datetime,
    ) -> bool: ...

    async def release(self, slot_id: str) -> None: ...

    async def mark_announced(self, slot_id: str) -> None: ...

    async def hold_time(
        self, supporter_id: str, starts_at: datetime, ends_at: datetime, *, session_id: str
    ) -> str | None: ...

    async def free_time(
        self, supporter_id: str, starts_at: datetime, ends_at: datetime, *, token: str | None
    ) -> None: ...

    async def staffing_reported(self, session_id: str) -> str | None: ...

    async def mark_staffing_reported(self, session_id: str, state: str) -> None: ...

    async def forget_bookings(self, person_id: str) -> dict[str, int]: ...


class Supporters(Protocol):
    """Who may serve where and when, the centres, stays and exclusions."""

    async def set_eligible(
        self,
        *,
        person_id: str,
        centre_id: str,
        eligible: bool,
        eligible_from: date | None,
        changed_by: str | None = None,
    ) -> bool: ...

    async def eligibility_at(self, centre_id: str) -> dict[str, date]: ...

    async def candidates_at(self, centre_id: str) -> list[Candidate]:
        """Everyone who may serve at the centre, in id order, read in a fixed number of
        queries however many they are (never one per candidate)."""
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

    async def forget_supporter(self, person_id: str) -> dict[str, int]: ...

    async def forget_exclusions(self, person_id: str) -> dict[str, int]: ...


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
