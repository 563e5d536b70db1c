"""Scheduling's use cases: request a session, follow eligibility, fill open slots."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

import structlog
from peerlink_shared.clock import Clock
from peerlink_shared.contracts import (
    EligibilityChanged,
    SessionCancelled,
    SessionFilled,
    SessionRequested,
    SessionUnfilled,
    SupporterAssigned,
    SupporterUnassigned,
)
from peerlink_shared.envelope import Envelope, derived_event_id, make_envelope
from peerlink_shared.mongo import Document
from peerlink_shared.outbox import Outbox
from peerlink_shared.topics import Topics

from peerlink_scheduling.adapters.repository import SchedulingRepository
from peerlink_scheduling.domain.matching import SessionRequest, match, unfilled_reason

SOURCE = "/peerlink/scheduling"
MAX_FILL_ROUNDS = 5
log = structlog.get_logger("peerlink.scheduling")


class SchedulingHandlers:
    def __init__(
        self, *, repository: SchedulingRepository, outbox: Outbox, topics: Topics, clock: Clock
    ) -> None:
        self._repository = repository
        self._outbox = outbox
        self._topics = topics
        self._clock = clock

    async def request_session(self, request: SessionRequest, *, correlation_id: str) -> None:
        payload = SessionRequested(
            session_id=request.session_id,
            centre_id=request.centre_id,
            starts_at=request.starts_at,
            duration_minutes=int(request.duration.total_seconds() // 60),
            supporters_needed=request.supporters_needed,
        )
        envelope = self._envelope(
            payload,
            event_id=derived_event_id("session-requested", request.session_id),
            subject=request.session_id,
            correlation_id=correlation_id,
            causation_id=None,
        )
        await self._outbox.add(envelope=envelope, topic=self._topics.session_events)
        await self._repository.add_session(request, at=self._clock.now())
        await self.fill(request, correlation_id=correlation_id)

    async def on_eligibility_changed(self, envelope: Envelope, change: EligibilityChanged) -> None:
        await self._repository.set_eligible(
            person_id=change.person_id, centre_id=change.centre_id, eligible=change.eligible
        )
        if not change.eligible:
            await self._restaff(change.person_id, change.centre_id, cause=envelope)
        else:
            for session in await self._repository.upcoming_sessions(
                change.centre_id, after=self._clock.now()
            ):
                await self.fill(session, correlation_id=envelope.correlationid)

    async def _restaff(self, supporter_id: str, centre_id: str, *, cause: Envelope) -> None:
        """Takes a supporter who may no longer serve here off every future session there,
        then fills each freed slot from who is eligible now."""
        held = await self._repository.future_assignments(
            supporter_id=supporter_id, centre_id=centre_id, after=self._clock.now()
        )
        for doc in held:
            payload = SupporterUnassigned(
                session_id=doc["session_id"],
                centre_id=centre_id,
                supporter_id=supporter_id,
                slot=doc["slot"],
                starts_at=doc["starts_at"],
            )
            envelope = self._envelope(
                payload,
                event_id=derived_event_id("unassigned", doc["assignment_id"]),
                subject=doc["session_id"],
                correlation_id=cause.correlationid,
                causation_id=cause.id,
            )
            # Outbox first: a crash before the slot is released replays to the same event.
            await self._outbox.add(envelope=envelope, topic=self._topics.session_events)
            await self._repository.release(doc["_id"])
            ends = doc["starts_at"] + timedelta(minutes=doc["duration_minutes"])
            await self._repository.free_time(supporter_id, doc["starts_at"], ends, token=None)
            log.info("supporter_unassigned", session=doc["session_id"], supporter=supporter_id)
        # Every upcoming session of the centre, not only the ones just freed: a crash after
        # a release and before its refill must not leave a slot empty for good.
        for session in await self._repository.upcoming_sessions(centre_id, after=self._clock.now()):
            await self.fill(session, correlation_id=cause.correlationid)

    async def cancel(self, request: SessionRequest, *, correlation_id: str) -> list[str]:
        """Cancels a session: publishes it, releases everyone booked; returns who was."""
        held = await self._repository.assignments_of(request.session_id)
        supporters = tuple(doc["supporter_id"] for doc in held)
        payload = SessionCancelled(
            session_id=request.session_id,
            centre_id=request.centre_id,
            starts_at=request.starts_at,
            supporter_ids=supporters,
        )
        envelope = self._envelope(
            payload,
            event_id=derived_event_id("cancelled", request.session_id),
            subject=request.session_id,
            correlation_id=correlation_id,
            causation_id=None,
        )
        # Outbox first, then the state: a retry re-records the same cancellation.
        await self._outbox.add(envelope=envelope, topic=self._topics.session_events)
        await self._repository.cancel_session(request.session_id, at=self._clock.now())
        booking = request.as_booking
        for doc in held:
            await self._repository.release(doc["_id"])
            await self._repository.free_time(
                doc["supporter_id"], booking.starts_at, booking.ends_at, token=None
            )
        log.info("session_cancelled", session=request.session_id, released=len(supporters))
        return list(supporters)

    async def fill(self, request: SessionRequest, *, correlation_id: str) -> None:
        """Claims open slots for eligible, free supporters, then announces every new assignment."""
        # A lost race (another writer took the slot or the supporter's time) means reading
        # again and choosing again, a bounded number of times.
        if await self._repository.is_cancelled(request.session_id):
            return
        for _ in range(MAX_FILL_ROUNDS):
            if not await self._fill_round(request):
                break
            # Racing writers choose alike (matching is deterministic): stagger the retries.
            await asyncio.sleep(random.uniform(0, 0.05))
        assignments = await self._repository.assignments_of(request.session_id)
        await self._announce(request, assignments, correlation_id=correlation_id)
        await self._report_staffing(request, assignments, correlation_id=correlation_id)

    async def _report_staffing(
        self, request: SessionRequest, assignments: list[Document], *, correlation_id: str
    ) -> None:
        """Publishes SessionFilled or SessionUnfilled when the session's staffing state
        changes (the session remembers what it last reported)."""
        supporters = tuple(doc["supporter_id"] for doc in assignments)
        open_slots = request.supporters_needed - len(supporters)
        payload: SessionFilled | SessionUnfilled
        if open_slots <= 0:
            state = "filled:" + ",".join(sorted(supporters))
            payload = SessionFilled(
                session_id=request.session_id,
                centre_id=request.centre_id,
                starts_at=request.starts_at,
                supporter_ids=supporters,
            )
        else:
            eligible = await self._repository.eligible_at(request.centre_id)
            reason = unfilled_reason(eligible, supporters)
            state = f"unfilled:{open_slots}:{reason}"
            payload = SessionUnfilled(
                session_id=request.session_id,
                centre_id=request.centre_id,
                starts_at=request.starts_at,
                open_slots=open_slots,
                reason=reason,
            )
        if await self._repository.staffing_reported(request.session_id) == state:
            return
        envelope = self._envelope(
            payload,
            event_id=derived_event_id("staffing", request.session_id, state),
            subject=request.session_id,
            correlation_id=correlation_id,
            causation_id=None,
        )
        await self._outbox.add(envelope=envelope, topic=self._topics.session_events)
        await self._repository.mark_staffing_reported(request.session_id, state)

    async def _fill_round(self, request: SessionRequest) -> bool:
        """One read-choose-claim pass; True if some claim lost a race (worth another pass)."""
        assignments = await self._repository.assignments_of(request.session_id)
        assigned = [doc["supporter_id"] for doc in assignments]
        taken_slots = {doc["slot"] for doc in assignments}
        candidates = await self._repository.eligible_at(request.centre_id)
        bookings = await self._repository.bookings_of(candidates)
        availability = await self._repository.availability_of(candidates)
        choices = match(
            request,
            candidates=candidates,
            assigned=assigned,
            bookings=bookings,
            availability=availability,
        )
        free_slots = [slot for slot in range(request.supporters_needed) if slot not in taken_slots]
        lost = False
        booking = request.as_booking
        for slot, choice in zip(free_slots, choices, strict=False):
            # The supporter's time first: unique 5-minute holds make overlapping bookings
            # impossible even when replicas race (no transactions needed).
            token = await self._repository.hold_time(
                choice.supporter_id,
                booking.starts_at,
                booking.ends_at,
                session_id=request.session_id,
            )
            if token is None:
                lost = True
                continue
            claimed = await self._repository.claim_slot(
                request,
                slot=slot,
                supporter_id=choice.supporter_id,
                why=choice.why,
                at=self._clock.now(),
            )
            if not claimed:
                await self._repository.free_time(
                    choice.supporter_id, booking.starts_at, booking.ends_at, token=token
                )
                lost = True
        return lost

    async def _announce(
        self, request: SessionRequest, assignments: list[Document], *, correlation_id: str
    ) -> None:
        # Assignments remember whether they were announced, so a crash between claiming a
        # slot and writing its event is repaired by the next fill of that session.
        for doc in assignments:
            if doc["announced"]:
                continue
            payload = SupporterAssigned(
                session_id=request.session_id,
                centre_id=request.centre_id,
                supporter_id=doc["supporter_id"],
                slot=doc["slot"],
                starts_at=request.starts_at,
                duration_minutes=int(request.duration.total_seconds() // 60),
                assigned_on=self._clock.today(),
            )
            envelope = self._envelope(
                payload,
                event_id=derived_event_id("assigned", doc["assignment_id"]),
                subject=request.session_id,
                correlation_id=correlation_id,
                causation_id=None,
            )
            await self._outbox.add(envelope=envelope, topic=self._topics.session_events)
            await self._repository.mark_announced(doc["_id"])
            log.info(
                "supporter_assigned",
                session=request.session_id,
                supporter=doc["supporter_id"],
                slot=doc["slot"],
            )

    def _envelope(
        self,
        payload: SessionRequested
        | SessionCancelled
        | SupporterAssigned
        | SupporterUnassigned
        | SessionFilled
        | SessionUnfilled,
        *,
        event_id: str,
        subject: str,
        correlation_id: str,
        causation_id: str | None,
    ) -> Envelope:
        return make_envelope(
            event_id=event_id,
            source=SOURCE,
            event_type=payload.event_type(),
            subject=subject,
            time=self._clock.now(),
            data=payload.model_dump(mode="json"),
            correlation_id=correlation_id,
            causation_id=causation_id,
        )
