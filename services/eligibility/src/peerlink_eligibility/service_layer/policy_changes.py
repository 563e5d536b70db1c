"""Changing a centre's policy (a new version, published) and re-deciding everyone it concerns."""

from __future__ import annotations

from dataclasses import asdict, replace

import structlog
from peerlink_shared.clock import Clock
from peerlink_shared.contracts import PolicyChanged
from peerlink_shared.messaging.envelope import new_event_id
from peerlink_shared.messaging.publishing import Cause, Publisher

from peerlink_eligibility.domain.policy import Policy
from peerlink_eligibility.service_layer.announcements import Trigger
from peerlink_eligibility.service_layer.centre_reevaluation import CentreReevaluation
from peerlink_eligibility.service_layer.ports import JobStore, PolicyStore

log = structlog.get_logger("peerlink.eligibility")


class VersionConflict(Exception):
    """The policy changed since the version the caller read."""


class PolicyChanges:
    def __init__(
        self,
        *,
        policies: PolicyStore,
        jobs: JobStore,
        reevaluation: CentreReevaluation,
        publisher: Publisher,
        clock: Clock,
    ) -> None:
        self._policies = policies
        self._jobs = jobs
        self._reevaluation = reevaluation
        self._publisher = publisher
        self._clock = clock

    async def change(self, wanted: Policy, *, expected_version: int | None) -> tuple[Policy, str]:
        """Stores version n+1 and publishes it; returns it and the id of its re-evaluation job."""
        current = await self._policies.current(wanted.centre_id)
        if expected_version is not None and expected_version != current.version:
            raise VersionConflict(wanted.centre_id)
        policy = replace(wanted, version=current.version + 1)
        if not await self._policies.add_version(policy, at=self._clock.now()):
            # A stored version that never became current (a crash mid-change) is rolled
            # forward, so the centre is never locked out of changing its policy.
            stored = {p.version: p for p in await self._policies.history(wanted.centre_id)}
            if policy.version in stored:
                await self._policies.make_current(stored[policy.version])
            raise VersionConflict(wanted.centre_id)
        # The event's id names the job it starts, and the flow it begins.
        event_id = new_event_id()
        await self._publisher.publish(
            PolicyChanged(**asdict(policy)),
            subject=policy.centre_id,
            cause=Cause.first(event_id),
            event_id=event_id,
        )
        await self._policies.make_current(policy)
        log.info("policy_changed", centre=policy.centre_id, version=policy.version, job=event_id)
        return policy, event_id

    async def reevaluate(self, change: Policy, *, trigger: Trigger) -> None:
        """Re-decides, in bulk, everyone this version may concern. The job id is the id of
        the event that published it."""
        # The event carries the whole policy: make it current (forward only) and use it, so
        # the job never runs with the previous version.
        await self._policies.make_current(change)
        current = await self._policies.current(change.centre_id)
        if current.version > change.version:
            # A newer version's own job covers it; re-deciding with an old policy would be wrong.
            log.info("policy_job_superseded", centre=change.centre_id, version=change.version)
            return
        job_id = trigger.event_id
        await self._jobs.start(
            job_id=job_id,
            kind="policy_reevaluation",
            centre_id=change.centre_id,
            total=0,
            at=self._clock.now(),
        )

        job_log = log.bind(job=job_id, centre=change.centre_id)

        async def progress(done: int, total: int, changed: int) -> None:
            at = self._clock.now()
            await self._jobs.progress(job_id, done=done, total=total, changed=changed, at=at)
            job_log.info("reevaluation_progress", done=done, total=total, changed=changed)

        total, changed = await self._reevaluation.run(current, trigger=trigger, progress=progress)
        await self._jobs.finish(job_id, done=total, changed=changed, at=self._clock.now())
        job_log.info("reevaluation_finished", total=total, changed=changed)
