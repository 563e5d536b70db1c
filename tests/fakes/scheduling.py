"""In-memory scheduling stores, keeping the contracts of `service_layer/ports.py` as
`SessionRepository` and `SupporterRepository` do (tested against FerretDB in
tests/integration): a slot and a supporter's place in a session are taken once, time is held
in 5-minute buckets all or nothing, reads return the typed records the real ones do, in the
same order."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Unpack

from peerlink_scheduling.bootstrap import session_events, use_cases
from peerlink_scheduling.domain.availability import Availability
from peerlink_scheduling.domain.bookings import Assignment, Candidate
from peerlink_scheduling.domain.matching import Booking, SessionRequest
from peerlink_scheduling.domain.network import Network
from peerlink_scheduling.domain.stays import Admitted, Left
from peerlink_scheduling.service_layer.ports import MayServe, SlotClaim, changes_view
from peerlink_shared.contracts import CentreRegistered
from peerlink_shared.messaging.envelope import Envelope
from peerlink_shared.messaging.topics import Topics

from tests.fakes.clock import MovableClock
from tests.fakes.outbox import RecordingOutbox

ERASED = "(erased)"


@dataclass
class StoredSession:
    request: SessionRequest
    created_at: datetime
    cancelled_at: datetime | None = None
    staffing_reported: str | None = None


@dataclass
class FakeSessions:
    """Satisfies `peerlink_scheduling.service_layer.ports.Sessions`."""

    sessions: dict[str, StoredSession] = field(default_factory=dict)
    assignments: dict[str, Assignment] = field(default_factory=dict)
    holds: dict[str, tuple[str, str]] = field(default_factory=dict)  # key → (session, token)
    booking_reads: int = 0  # calls of bookings_of, each one query in the real store

    async def add_session(self, request: SessionRequest, *, at: datetime) -> None:
        self.sessions.setdefault(request.session_id, StoredSession(request, at))

    async def session(self, session_id: str) -> SessionRequest | None:
        stored = self.sessions.get(session_id)
        return None if stored is None else stored.request

    async def cancel_session(self, session_id: str, *, at: datetime) -> None:
        if session_id in self.sessions:
            self.sessions[session_id].cancelled_at = at

    async def is_cancelled(self, session_id: str) -> bool:
        stored = self.sessions.get(session_id)
        return stored is not None and stored.cancelled_at is not None

    def _upcoming(self, after: datetime) -> list[SessionRequest]:
        found = [
            s.request
            for s in self.sessions.values()
            if s.request.starts_at > after and s.cancelled_at is None
        ]
        return sorted(found, key=lambda r: r.starts_at)

    async def upcoming_sessions(self, centre_id: str, *, after: datetime) -> list[SessionRequest]:
        return [r for r in self._upcoming(after) if r.centre_id == centre_id]

    async def upcoming_meetings_of(
        self, resident_id: str, *, after: datetime
    ) -> list[SessionRequest]:
        return [r for r in self._upcoming(after) if r.resident_id == resident_id]

    async def met_before(self, resident_id: str) -> frozenset[str]:
        return frozenset(
            a.supporter_id for a in self.assignments.values() if a.resident_id == resident_id
        )

    async def assignments_of(self, session_id: str) -> list[Assignment]:
        found = [a for a in self.assignments.values() if a.session_id == session_id]
        return sorted(found, key=lambda a: a.slot)

    def _of(self, supporter_id: str) -> list[Assignment]:
        found = [a for a in self.assignments.values() if a.supporter_id == supporter_id]
        return sorted(found, key=lambda a: a.starts_at)

    async def bookings_of(self, supporter_ids: list[str]) -> dict[str, list[Booking]]:
        self.booking_reads += 1
        return {s: [a.booking for a in self._of(s)] for s in supporter_ids}

    async def bookings_for_supporter(self, supporter_id: str) -> list[Assignment]:
        return self._of(supporter_id)

    async def future_assignments(
        self, *, supporter_id: str, centre_id: str, after: datetime
    ) -> list[Assignment]:
        return [
            a for a in self._of(supporter_id) if a.centre_id == centre_id and a.starts_at > after
        ]

    async def future_assignments_anywhere(
        self, supporter_id: str, *, after: datetime
    ) -> list[Assignment]:
        return [a for a in self._of(supporter_id) if a.starts_at > after]

    async def claim_slot(self, request: SessionRequest, **claim: Unpack[SlotClaim]) -> bool:
        slot_id = f"{request.session_id}-{claim['slot']}"
        supporter_id = claim["supporter_id"]
        taken = slot_id in self.assignments or any(
            a.session_id == request.session_id and a.supporter_id == supporter_id
            for a in self.assignments.values()
        )
        if taken:
            return False
        self.assignments[slot_id] = Assignment(
            slot_id=slot_id,
            assignment_id=str(uuid.uuid4()),
            session_id=request.session_id,
            centre_id=request.centre_id,
            slot=claim["slot"],
            supporter_id=supporter_id,
            resident_id=request.resident_id,
            starts_at=claim["starts_at"],
            duration=request.duration,
            why=claim["why"],
            announced=False,
        )
        return True

    async def release(self, slot_id: str) -> None:
        self.assignments.pop(slot_id, None)

    async def mark_announced(self, slot_id: str) -> None:
        if slot_id in self.assignments:
            self.assignments[slot_id] = replace(self.assignments[slot_id], announced=True)

    async def hold_time(
        self, supporter_id: str, starts_at: datetime, ends_at: datetime, *, session_id: str
    ) -> str | None:
        keys = [f"{supporter_id}@{b}" for b in buckets(starts_at, ends_at)]
        if any(key in self.holds for key in keys):
            return None
        token = str(uuid.uuid4())
        self.holds |= {key: (session_id, token) for key in keys}
        return token

    async def free_time(
        self, supporter_id: str, starts_at: datetime, ends_at: datetime, *, token: str | None
    ) -> None:
        for bucket in buckets(starts_at, ends_at):
            key = f"{supporter_id}@{bucket}"
            if key in self.holds and token in (None, self.holds[key][1]):
                del self.holds[key]

    async def staffing_reported(self, session_id: str) -> str | None:
        stored = self.sessions.get(session_id)
        return None if stored is None else stored.staffing_reported

    async def mark_staffing_reported(self, session_id: str, state: str) -> None:
        if session_id in self.sessions:
            self.sessions[session_id].staffing_reported = state

    async def forget_bookings(self, person_id: str) -> dict[str, int]:
        mine = [k for k, a in self.assignments.items() if a.supporter_id == person_id]
        for key in mine:
            del self.assignments[key]
        held = [k for k in self.holds if k.startswith(f"{person_id}@")]
        for key in held:
            del self.holds[key]
        as_resident = 0
        for stored in self.sessions.values():
            if stored.request.resident_id == person_id:
                stored.request = replace(stored.request, resident_id=ERASED)
                as_resident += 1
        for key, a in self.assignments.items():
            if a.resident_id == person_id:
                self.assignments[key] = replace(a, resident_id=ERASED)
        return {
            "assignments": len(mine),
            "time_holds": len(held),
            "sessions_as_resident": as_resident,
        }


def buckets(starts_at: datetime, ends_at: datetime) -> list[str]:
    start = starts_at.astimezone(UTC)
    bucket = start.replace(minute=start.minute - start.minute % 5, second=0, microsecond=0)
    found = []
    while bucket < ends_at:
        found.append(bucket.strftime("%Y-%m-%dT%H:%MZ"))
        bucket += timedelta(minutes=5)
    return found


@dataclass
class FakeSupporters:
    """Satisfies `peerlink_scheduling.service_layer.ports.Supporters`."""

    # (person, centre) → (eligible, eligible_from, changed_by)
    eligible: dict[tuple[str, str], tuple[bool, date | None, str | None]] = field(
        default_factory=dict
    )
    availability: dict[str, Availability] = field(default_factory=dict)
    centres: dict[str, CentreRegistered] = field(default_factory=dict)
    admissions: dict[str, list[Admitted]] = field(default_factory=dict)
    leavings: dict[str, list[Left]] = field(default_factory=dict)
    excluded: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    candidate_reads: int = 0

    async def set_eligible(self, **change: Unpack[MayServe]) -> bool:
        key = (change["person_id"], change["centre_id"])
        before = self.eligible.get(key)
        self.eligible[key] = (change["eligible"], change["eligible_from"], change.get("changed_by"))
        return changes_view(before, change)

    async def eligibility_at(self, centre_id: str) -> dict[str, date]:
        found = {}
        for (person_id, centre), (eligible, since, _) in self.eligible.items():
            if centre != centre_id:
                continue
            if eligible:
                found[person_id] = date.min
            elif since is not None:
                found[person_id] = since
        return found

    async def candidates_at(self, centre_id: str) -> list[Candidate]:
        self.candidate_reads += 1
        eligibility = await self.eligibility_at(centre_id)
        return [
            Candidate(
                supporter_id=supporter_id,
                eligible_from=eligibility[supporter_id],
                availability=self.availability.get(supporter_id),
                admissions=tuple(self.admissions.get(supporter_id, [])),
                leavings=tuple(self.leavings.get(supporter_id, [])),
            )
            for supporter_id in sorted(eligibility)
        ]

    async def save_centre(self, centre: CentreRegistered) -> None:
        self.centres[centre.centre_id] = centre

    async def network(self) -> Network:
        return Network(regions={c.centre_id: c.region for c in self.centres.values()})

    async def timezone_of(self, centre_id: str) -> str:
        centre = self.centres.get(centre_id)
        return "UTC" if centre is None else centre.timezone

    async def record_admission(self, person_id: str, admitted: Admitted) -> None:
        stays = self.admissions.setdefault(person_id, [])
        if admitted not in stays:
            stays.append(admitted)

    async def record_leaving(self, person_id: str, left: Left) -> None:
        stays = self.leavings.setdefault(person_id, [])
        if left not in stays:
            stays.append(left)

    async def history_of(self, person_id: str) -> tuple[list[Admitted], list[Left]]:
        return list(self.admissions.get(person_id, [])), list(self.leavings.get(person_id, []))

    async def set_exclusions(self, centre_id: str, resident_id: str, supporters: list[str]) -> None:
        self.excluded[(centre_id, resident_id)] = sorted(set(supporters))

    async def exclusions(self, centre_id: str, resident_id: str) -> frozenset[str]:
        return frozenset(self.excluded.get((centre_id, resident_id), []))

    async def set_availability(self, supporter_id: str, availability: Availability) -> None:
        self.availability[supporter_id] = availability

    async def forget_supporter(self, person_id: str) -> dict[str, int]:
        eligible = [key for key in self.eligible if key[0] == person_id]
        for key in eligible:
            del self.eligible[key]
        availability = self.availability.pop(person_id, None)
        had_history = person_id in self.admissions or person_id in self.leavings
        self.admissions.pop(person_id, None)
        self.leavings.pop(person_id, None)
        return {
            "eligible": len(eligible),
            "availability": int(availability is not None),
            "histories": int(had_history),
        }

    async def forget_exclusions(self, person_id: str) -> dict[str, int]:
        own = [key for key in self.excluded if key[1] == person_id]
        for key in own:
            del self.excluded[key]
        for key, supporters in self.excluded.items():
            self.excluded[key] = [s for s in supporters if s != person_id]
        return {"exclusions": len(own)}


class SchedulingWorld:
    """Scheduling's use cases wired by its bootstrap over the fakes: what tests set up and
    check goes through `sessions`, `supporters` and `outbox`."""

    def __init__(self, now: datetime) -> None:
        self.clock = MovableClock(now)
        self.sessions = FakeSessions()
        self.supporters = FakeSupporters()
        self.outbox = RecordingOutbox()
        self.topics = Topics()
        self.cases = use_cases(
            sessions=self.sessions,
            supporters=self.supporters,
            events=session_events(outbox=self.outbox, topics=self.topics, clock=self.clock),
            clock=self.clock,
        )

    def published(self) -> list[Envelope]:
        return self.outbox.on(self.topics.session_events)

    def types(self) -> list[str]:
        return [
            e.type.removeprefix("peerlink.session.").removesuffix(".v1") for e in self.published()
        ]

    async def centre(self, centre_id: str, *, region: str = "north", timezone: str = "UTC") -> None:
        await self.supporters.save_centre(
            CentreRegistered(
                centre_id=centre_id,
                display_name=centre_id.title(),
                region=region,
                timezone=timezone,
            )
        )

    async def may_serve(self, centre_id: str, *supporter_ids: str) -> None:
        for supporter_id in supporter_ids:
            await self.supporters.set_eligible(
                person_id=supporter_id, centre_id=centre_id, eligible=True, eligible_from=None
            )
