"""Scheduling's use cases: request a session or meeting, follow eligibility and stays, fill
open slots."""

from __future__ import annotations

from datetime import timedelta

import structlog
from peerlink_shared.contracts import (
    AdmissionRecorded,
    CentreRegistered,
    DischargeRecorded,
    EligibilityChanged,
    MeetingRequested,
    ProgrammeEnded,
    SessionCancelled,
    SessionRequested,
    SupporterUnassigned,
)
from peerlink_shared.envelope import Envelope, derived_event_id

from peerlink_scheduling.domain.matching import SessionRequest, local_day
from peerlink_scheduling.domain.stays import Admitted, Left
from peerlink_scheduling.publishing import booked_start
from peerlink_scheduling.staffing import Staffing

log = structlog.get_logger("peerlink.scheduling")


class SchedulingHandlers(Staffing):
    """The use cases coordinators and events start; filling slots is `Staffing`'s."""

    async def request_session(self, request: SessionRequest, *, correlation_id: str) -> None:
        minutes = int(request.duration.total_seconds() // 60)
        payload: SessionRequested | MeetingRequested
        if request.window_ends_at is not None:
            payload = MeetingRequested(
                session_id=request.session_id,
                centre_id=request.centre_id,
                window_starts_at=request.starts_at,
                window_ends_at=request.window_ends_at,
                duration_minutes=minutes,
            )
        else:
            payload = SessionRequested(
                session_id=request.session_id,
                centre_id=request.centre_id,
                starts_at=request.starts_at,
                duration_minutes=minutes,
                supporters_needed=request.supporters_needed,
            )
        await self._publish(
            payload,
            event_id=derived_event_id("session-requested", request.session_id),
            subject=request.session_id,
            correlation_id=correlation_id,
            causation_id=None,
        )
        await self._repository.add_session(request, at=self._clock.now())
        await self.fill(request, correlation_id=correlation_id)

    async def on_centre_registered(self, envelope: Envelope, centre: CentreRegistered) -> None:
        await self._repository.save_centre(centre)

    async def on_admission(self, envelope: Envelope, fact: AdmissionRecorded) -> None:
        await self._repository.record_admission(
            fact.person_id, Admitted(fact.centre_id, fact.admitted_on)
        )

    async def on_programme_ended(self, envelope: Envelope, fact: ProgrammeEnded) -> None:
        left = Left(fact.centre_id, fact.ended_on, completed=fact.outcome == "completed")
        await self._repository.record_leaving(fact.person_id, left)

    async def on_discharge(self, envelope: Envelope, fact: DischargeRecorded) -> None:
        await self._repository.record_leaving(
            fact.person_id, Left(fact.centre_id, fact.discharged_on)
        )

    async def on_eligibility_changed(self, envelope: Envelope, change: EligibilityChanged) -> None:
        changed = await self._repository.set_eligible(
            person_id=change.person_id,
            centre_id=change.centre_id,
            eligible=change.eligible,
            eligible_from=None if change.eligible else change.eligible_from,
            changed_by=envelope.id,
        )
        if not changed:
            # Only the reasons moved (another criterion now fails): nobody to release or
            # book. A person's changes arrive in order, so an earlier one's work is done.
            return
        if not change.eligible:
            await self._restaff(change, cause=envelope)
        else:
            for session in await self._repository.upcoming_sessions(
                change.centre_id, after=self._clock.now()
            ):
                await self.fill(session, correlation_id=envelope.correlationid)

    async def _restaff(self, change: EligibilityChanged, *, cause: Envelope) -> None:
        """Takes a supporter who may no longer serve here off every future session there
        (those before the day they qualify again, when that day is known), then fills each
        freed slot from who is eligible now."""
        supporter_id, centre_id = change.person_id, change.centre_id
        held = await self._repository.future_assignments(
            supporter_id=supporter_id, centre_id=centre_id, after=self._clock.now()
        )
        timezone = await self._repository.timezone_of(centre_id)
        for doc in held:
            day = local_day(doc["starts_at"], timezone)
            if change.eligible_from is not None and day >= change.eligible_from:
                continue
            payload = SupporterUnassigned(
                session_id=doc["session_id"],
                centre_id=centre_id,
                supporter_id=supporter_id,
                slot=doc["slot"],
                starts_at=doc["starts_at"],
            )
            # Outbox first: a crash before the slot is released replays to the same event.
            await self._publish(
                payload,
                event_id=derived_event_id("unassigned", doc["assignment_id"]),
                subject=doc["session_id"],
                correlation_id=cause.correlationid,
                causation_id=cause.id,
            )
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
            starts_at=booked_start(request, held),
            supporter_ids=supporters,
        )
        # Outbox first, then the state: a retry re-records the same cancellation.
        await self._publish(
            payload,
            event_id=derived_event_id("cancelled", request.session_id),
            subject=request.session_id,
            correlation_id=correlation_id,
            causation_id=None,
        )
        await self._repository.cancel_session(request.session_id, at=self._clock.now())
        for doc in held:
            booking = request.at(doc["starts_at"])
            await self._repository.release(doc["_id"])
            await self._repository.free_time(
                doc["supporter_id"], booking.starts_at, booking.ends_at, token=None
            )
        log.info("session_cancelled", session=request.session_id, released=len(supporters))
        return list(supporters)
