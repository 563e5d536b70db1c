"""Re-deciding persons: one person after a fact, a whole centre after a policy change.

Each person's events are handled by one consumer (Kafka key = person id), but a bulk job or
a clock review can race with it. Before a change is written, the person's fact count is read
again; if a fact arrived meanwhile, this writer stands down and the person's own handler,
which reads the newest facts and policy, decides.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import structlog
from peerlink_shared.clock import Clock
from peerlink_shared.contracts import EligibilityChanged
from peerlink_shared.envelope import Envelope, derived_event_id, make_envelope
from peerlink_shared.outbox import Outbox
from peerlink_shared.topics import Topics

from peerlink_eligibility.adapters.policies import PolicyRepository
from peerlink_eligibility.adapters.repository import EligibilityRepository, Snapshot
from peerlink_eligibility.domain.decision import Decision, centres_to_decide, decide
from peerlink_eligibility.domain.policy import Policy

SOURCE = "/peerlink/eligibility"
BATCH = 500
log = structlog.get_logger("peerlink.eligibility")

Progress = Callable[[int, int, int], Awaitable[None]]  # done, total, changed


@dataclass(frozen=True)
class Cause:
    """What made us re-decide: fixes the ids of the events this produces."""

    event_id: str
    correlation_id: str


class Reevaluator:
    def __init__(
        self,
        *,
        repository: EligibilityRepository,
        policies: PolicyRepository,
        outbox: Outbox,
        topics: Topics,
        clock: Clock,
    ) -> None:
        self._repository = repository
        self._policies = policies
        self._outbox = outbox
        self._topics = topics
        self._clock = clock

    async def person(self, person_id: str, *, cause: Cause) -> list[Decision]:
        """Re-decides every relevant centre; publishes and saves only what changed."""
        snapshot = await self._repository.facts_of(person_id)
        before = await self._repository.decisions_of(person_id)
        centres = centres_to_decide(
            snapshot.facts,
            decided_before=before,
            open_to_network=await self._policies.open_to_network(),
        )
        today = self._clock.today()
        changed = []
        for centre_id in sorted(centres):
            decision = decide(snapshot.facts, await self._policies.current(centre_id), today)
            if await self._record(decision, before.get(centre_id), snapshot, cause=cause):
                changed.append(decision)
        return changed

    async def centre(self, policy: Policy, *, cause: Cause, progress: Progress) -> tuple[int, int]:
        """Re-decides everyone the policy may concern, in batches; returns (total, changed)."""
        persons = sorted(
            set(
                await self._repository.graduates(
                    of_centre=None if policy.accept_network_graduates else policy.centre_id
                )
            )
            | set(await self._repository.decided_at(policy.centre_id))
        )
        today = self._clock.today()
        changed = 0
        await progress(0, len(persons), 0)
        for start in range(0, len(persons), BATCH):
            batch = persons[start : start + BATCH]
            snapshots = await self._repository.facts_of_many(batch)
            before = await self._repository.decisions_at(policy.centre_id, batch)
            for person_id in batch:
                decision = decide(snapshots[person_id].facts, policy, today)
                if await self._record(
                    decision, before.get(person_id), snapshots[person_id], cause=cause
                ):
                    changed += 1
            await progress(min(start + BATCH, len(persons)), len(persons), changed)
        return len(persons), changed

    async def _record(
        self, decision: Decision, previous: Decision | None, snapshot: Snapshot, *, cause: Cause
    ) -> bool:
        unseen = previous is None and not decision.eligible
        if unseen or decision.same_outcome(previous):
            # Nothing downstream changes (no decision reads as not eligible), but the review
            # day and policy version are kept current.
            if previous is None or (previous.review_on, previous.policy_version) != (
                decision.review_on,
                decision.policy_version,
            ):
                await self._repository.save_decision(decision, at=self._clock.now())
            return False
        if await self._repository.count_facts(decision.person_id) != snapshot.fact_count:
            log.info(
                "reevaluation_superseded", person=decision.person_id, centre=decision.centre_id
            )
            return False
        # Outbox first, under an id fixed by the cause: a retry re-records the same event.
        await self._outbox.add(
            envelope=self._changed(decision, cause), topic=self._topics.eligibility_changes
        )
        await self._repository.save_decision(decision, at=self._clock.now())
        log.info(
            "eligibility_changed",
            person=decision.person_id,
            centre=decision.centre_id,
            eligible=decision.eligible,
            reasons=[reason.value for reason in decision.reasons],
            policy_version=decision.policy_version,
        )
        return True

    def _changed(self, decision: Decision, cause: Cause) -> Envelope:
        payload = EligibilityChanged(
            person_id=decision.person_id,
            centre_id=decision.centre_id,
            eligible=decision.eligible,
            reasons=tuple(reason.value for reason in decision.reasons),
            eligible_from=decision.eligible_from,
            decided_on=self._clock.today(),
        )
        return make_envelope(
            event_id=derived_event_id(
                "eligibility", cause.event_id, decision.person_id, decision.centre_id
            ),
            source=SOURCE,
            event_type=payload.event_type(),
            subject=decision.person_id,
            time=self._clock.now(),
            data=payload.model_dump(mode="json"),
            correlation_id=cause.correlation_id,
            causation_id=cause.event_id,
        )
