"""Filling a session's open slots: read who may serve, match, claim race-safely, announce."""

from __future__ import annotations

import asyncio
import random
from dataclasses import replace
from typing import Literal

import structlog
from peerlink_shared.contracts import SessionFilled, SessionUnfilled, SupporterAssigned
from peerlink_shared.messaging.envelope import derived_event_id
from peerlink_shared.messaging.publishing import Cause

from peerlink_scheduling.domain.bookings import Assignment, booked_start
from peerlink_scheduling.domain.matching import (
    Choice,
    Pool,
    Resident,
    SessionRequest,
    broken_rule,
    match,
    unfilled_reason,
)
from peerlink_scheduling.domain.stays import stays_from
from peerlink_scheduling.service_layer.ports import Ports
from peerlink_scheduling.service_layer.slot_events import publish_about, slot_fields

MAX_FILL_ROUNDS = 5
log = structlog.get_logger("peerlink.scheduling")


class Staffing:
    def __init__(self, ports: Ports) -> None:
        self._ports = ports

    async def fill(self, request: SessionRequest, *, correlation_id: str) -> None:
        """Claims open slots for eligible, free supporters, then announces every new assignment."""
        # A lost race (another writer took the slot or the supporter's time) means reading
        # again and choosing again, a bounded number of times.
        if await self._ports.sessions.is_cancelled(request.session_id):
            return
        for _ in range(MAX_FILL_ROUNDS):
            if not await self._fill_round(request):
                break
            # Racing writers choose alike (matching is deterministic): stagger the retries.
            await asyncio.sleep(random.uniform(0, 0.05))
        assignments = await self._ports.sessions.assignments_of(request.session_id)
        cause = Cause(correlation_id=correlation_id)
        await self._announce(request, assignments, cause=cause)
        await self._report_staffing(request, assignments, cause=cause)

    async def _report_staffing(
        self, request: SessionRequest, assignments: list[Assignment], *, cause: Cause
    ) -> None:
        """Publishes SessionFilled or SessionUnfilled when the session's staffing state
        changes (the session remembers what it last reported)."""
        supporters = tuple(a.supporter_id for a in assignments)
        open_slots = request.supporters_needed - len(supporters)
        starts_at = booked_start(request, assignments)
        payload: SessionFilled | SessionUnfilled
        if open_slots <= 0:
            state = f"filled:{starts_at.isoformat()}:" + ",".join(sorted(supporters))
            payload = SessionFilled(
                session_id=request.session_id,
                centre_id=request.centre_id,
                starts_at=starts_at,
                supporter_ids=supporters,
            )
        else:
            eligible = await self._ports.supporters.eligibility_at(request.centre_id)
            reason = unfilled_reason(eligible, supporters)
            state = f"unfilled:{open_slots}:{reason}"
            payload = SessionUnfilled(
                session_id=request.session_id,
                centre_id=request.centre_id,
                starts_at=request.starts_at,
                open_slots=open_slots,
                reason=reason,
            )
        if await self._ports.sessions.staffing_reported(request.session_id) == state:
            return
        await self._ports.events.publish(
            payload,
            subject=request.session_id,
            cause=cause,
            event_id=derived_event_id("staffing", request.session_id, state),
        )
        await self._ports.sessions.mark_staffing_reported(request.session_id, state)

    async def _fill_round(self, request: SessionRequest) -> bool:
        """One read-choose-claim pass; True if some claim lost a race (worth another pass)."""
        assignments = await self._ports.sessions.assignments_of(request.session_id)
        assigned = [a.supporter_id for a in assignments]
        taken_slots = {a.slot for a in assignments}
        free_slots = [slot for slot in range(request.supporters_needed) if slot not in taken_slots]
        if not free_slots:
            # A full session: nothing to choose, so the pool is not read.
            return False
        pool = await self._pool(request)
        choices = match(request, assigned=assigned, pool=pool)
        lost = False
        for slot, choice in zip(free_slots, choices, strict=False):
            if not await self._claim(request, slot, choice, pool):
                lost = True
        return lost

    async def _claim(self, request: SessionRequest, slot: int, choice: Choice, pool: Pool) -> bool:
        booking = request.at(choice.starts_at)
        # The supporter's time first: unique 5-minute holds make overlapping bookings
        # impossible even when replicas race (no transactions needed).
        token = await self._ports.sessions.hold_time(
            choice.supporter_id, booking.starts_at, booking.ends_at, session_id=request.session_id
        )
        if token is None:
            return False
        claimed = await self._ports.sessions.claim_slot(
            request,
            slot=slot,
            supporter_id=choice.supporter_id,
            starts_at=choice.starts_at,
            why=choice.why,
            at=self._ports.clock.now(),
        )
        if claimed and await self._still_fits(request, choice, pool):
            return True
        if claimed:
            await self._ports.sessions.release(f"{request.session_id}-{slot}")
        await self._ports.sessions.free_time(
            choice.supporter_id, booking.starts_at, booking.ends_at, token=token
        )
        return False

    async def _still_fits(self, request: SessionRequest, choice: Choice, pool: Pool) -> bool:
        """Checks the claim against the supporter's bookings as they are now. The time holds
        stop overlaps but not a racing booking at another centre inside the travel buffer,
        or past the weekly cap: whoever sees such a conflict after claiming gives way (both
        may, then both choose again), so the rules hold without transactions."""
        (supporter,) = (s for s in pool.supporters if s.supporter_id == choice.supporter_id)
        fresh = await self._ports.sessions.bookings_for_supporter(choice.supporter_id)
        now = replace(supporter, bookings=tuple(a.booking for a in fresh))
        return broken_rule(request, choice.starts_at, now, pool) is None

    async def _pool(self, request: SessionRequest) -> Pool:
        """Everyone who may serve at the centre, with what matching weighs them on."""
        candidates = await self._ports.supporters.candidates_at(request.centre_id)
        bookings = await self._ports.sessions.bookings_of([c.supporter_id for c in candidates])
        return Pool(
            supporters=tuple(candidate.supporter(bookings) for candidate in candidates),
            network=await self._ports.supporters.network(),
            resident=await self._resident(request),
        )

    async def _resident(self, request: SessionRequest) -> Resident | None:
        if request.resident_id is None:
            return None
        admissions, leavings = await self._ports.supporters.history_of(request.resident_id)
        return Resident(
            resident_id=request.resident_id,
            stays=stays_from(admissions, leavings),
            excluded=await self._ports.supporters.exclusions(
                request.centre_id, request.resident_id
            ),
            met_before=await self._ports.sessions.met_before(request.resident_id),
        )

    async def _announce(
        self, request: SessionRequest, assignments: list[Assignment], *, cause: Cause
    ) -> None:
        # Assignments remember whether they were announced, so a crash between claiming a
        # slot and writing its event is repaired by the next fill of that session.
        for assignment in assignments:
            if assignment.announced:
                continue
            payload = SupporterAssigned(
                **slot_fields(assignment),
                duration_minutes=request.duration_minutes,
                assigned_on=self._ports.clock.today(),
            )
            events = self._ports.events
            await publish_about(assignment, payload, kind="assigned", events=events, cause=cause)
            await self._ports.sessions.mark_announced(assignment.slot_id)
            log.info(
                "supporter_assigned",
                session=request.session_id,
                supporter=assignment.supporter_id,
                slot=assignment.slot,
            )


def reported_unfilled_reason(
    state: str | None,
) -> Literal["no_eligible_supporters", "no_free_supporters"] | None:
    """Why the session's slots are open, from the staffing state it last reported
    (`unfilled:<open slots>:<reason>`); None when filled or not reported yet."""
    if state is None or not state.startswith("unfilled:"):
        return None
    reason = state.split(":", 2)[2]
    if reason == "no_eligible_supporters":
        return "no_eligible_supporters"
    if reason == "no_free_supporters":
        return "no_free_supporters"
    return None
