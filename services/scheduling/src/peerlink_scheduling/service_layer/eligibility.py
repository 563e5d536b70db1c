"""Following who may serve where: a supporter who may no longer serve at a centre is taken off
its future sessions; a change either way fills the centre's upcoming sessions again."""

from __future__ import annotations

from peerlink_shared.contracts import EligibilityChanged
from peerlink_shared.envelope import Envelope
from peerlink_shared.publishing import Cause

from peerlink_scheduling.domain.matching import local_day
from peerlink_scheduling.service_layer.ports import Ports
from peerlink_scheduling.service_layer.releasing import unassign
from peerlink_scheduling.service_layer.staffing import Staffing


class EligibilityFollowing:
    def __init__(self, ports: Ports, *, staffing: Staffing) -> None:
        self._ports = ports
        self._staffing = staffing

    async def on_eligibility_changed(self, envelope: Envelope, change: EligibilityChanged) -> None:
        changed = await self._ports.supporters.set_eligible(
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
            await self._release_early(change, cause=Cause.of(envelope))
        # Every upcoming session of the centre, not only the ones just freed: a crash after
        # a release and before its refill must not leave a slot empty for good.
        await self.refill(change.centre_id, correlation_id=envelope.correlationid)

    async def refill(self, centre_id: str, *, correlation_id: str) -> None:
        for session in await self._ports.sessions.upcoming_sessions(
            centre_id, after=self._ports.clock.now()
        ):
            await self._staffing.fill(session, correlation_id=correlation_id)

    async def _release_early(self, change: EligibilityChanged, *, cause: Cause) -> None:
        """Takes a supporter who may no longer serve here off every future session there
        (those before the day they qualify again, when that day is known)."""
        held = await self._ports.sessions.future_assignments(
            supporter_id=change.person_id, centre_id=change.centre_id, after=self._ports.clock.now()
        )
        timezone = await self._ports.supporters.timezone_of(change.centre_id)
        for assignment in held:
            day = local_day(assignment.starts_at, timezone)
            if change.eligible_from is not None and day >= change.eligible_from:
                continue
            await unassign(
                assignment, sessions=self._ports.sessions, events=self._ports.events, cause=cause
            )
