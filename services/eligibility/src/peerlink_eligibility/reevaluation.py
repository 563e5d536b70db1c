"""Re-deciding persons: one person after a fact, a whole centre after a policy change.

Each person's events are handled by one consumer (Kafka key = person id), but a bulk job or
a clock review can race with it. Before a change is written, the person's fact count is read
again; if a fact arrived meanwhile, this writer stands down and the person's own handler,
which reads the newest facts and policy, decides.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

import structlog
from peerlink_shared.clock import Clock
from peerlink_shared.contracts import EligibilityChanged
from peerlink_shared.envelope import Envelope, derived_event_id, make_envelope
from peerlink_shared.outbox import Outbox
from peerlink_shared.topics import Topics

from peerlink_eligibility.adapters.policies import PolicyRepository
from peerlink_eligibility.adapters.repository import EligibilityRepository
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

    async def person(
        self, person_id: str, *, cause: Cause, also: Iterable[str] = ()
    ) -> list[Decision]:
        """Re-decides every relevant centre (and `also` these); publishes and saves only what
        changed."""
        snapshot = await self._repository.facts_of(person_id)
        centres = centres_to_decide(
            snapshot.facts,
            decided_before=also,
            open_to_network=await self._policies.open_to_network(),
        )
        today = self._clock.today()
        changed = []
        for centre_id in sorted(centres):
            decision = decide(snapshot.facts, await self._policies.current(centre_id), today)
            previous = await self._repository.decision(person_id, centre_id)
            if await self._record(decision, previous, snapshot.version, cause=cause):
                changed.append(decision)
        return changed

    async def centre(self, policy: Policy, *, cause: Cause, progress: Progress) -> tuple[int, int]:
        """Re-decides everyone the policy may concern: one scan of the facts, one of the
        centre's decisions, writes only where a decision changed. Returns (total, changed)."""
        previous = await self._repository.decisions_at(policy.centre_id)
        persons = await self._repository.count_persons()
        today = self._clock.today()
        seen = concerned = changed = 0
        await progress(0, persons, 0)
        async for batch in self._repository.all_facts(batch=BATCH):
            for snapshot in batch:
                person_id = snapshot.facts.person_id
                completed = snapshot.facts.completed_at()
                if not (
                    person_id in previous
                    or policy.centre_id in completed
                    or (policy.accept_network_graduates and completed)
                ):
                    continue
                concerned += 1
                decision = decide(snapshot.facts, policy, today)
                if await self._record(
                    decision, previous.get(person_id), snapshot.version, cause=cause
                ):
                    changed += 1
            seen += len(batch)
            await progress(seen, max(persons, seen), changed)
        return concerned, changed

    async def _record(
        self, decision: Decision, previous: Decision | None, facts_version: int, *, cause: Cause
    ) -> bool:
        unseen = previous is None and not decision.eligible
        if unseen or decision.same_outcome(previous):
            # Nothing downstream changes (no decision reads as not eligible), but the review
            # day is kept current so the clock finds it.
            if previous is None or previous.review_on != decision.review_on:
                await self._repository.save_decision(
                    decision, facts_version=facts_version, at=self._clock.now()
                )
            return False
        if await self._repository.facts_version(decision.person_id) > facts_version:
            # A fact arrived since we read them: the person's own handler decides.
            return False
        # Outbox first, under an id fixed by the cause and the outcome: a retry that reaches
        # the same decision re-records the same event; a different outcome is a new event.
        await self._outbox.add(
            envelope=self._changed(decision, cause), topic=self._topics.eligibility_changes
        )
        if not await self._repository.save_decision(
            decision, facts_version=facts_version, at=self._clock.now()
        ):
            await self._correct(decision, cause=cause)
            return False
        log.info(
            "eligibility_changed",
            person=decision.person_id,
            centre=decision.centre_id,
            eligible=decision.eligible,
            # Reasons stay out of logs: they are clinical facts about a named person id.
            reason_count=len(decision.reasons),
            policy_version=decision.policy_version,
        )
        return True

    async def _correct(self, stale: Decision, *, cause: Cause) -> None:
        """A newer decision won the write after our event was recorded: publish it again,
        after ours, so consumers end on the stored decision."""
        stored = await self._repository.decision(stale.person_id, stale.centre_id)
        if stored is None:
            return
        correction = Cause(derived_event_id("correction", cause.event_id), cause.correlation_id)
        await self._outbox.add(
            envelope=self._changed(stored, correction), topic=self._topics.eligibility_changes
        )
        log.info("reevaluation_superseded", person=stale.person_id, centre=stale.centre_id)

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
                "eligibility",
                cause.event_id,
                decision.person_id,
                decision.centre_id,
                str(decision.eligible),
                *decision.reasons,
            ),
            source=SOURCE,
            event_type=payload.event_type(),
            subject=decision.person_id,
            time=self._clock.now(),
            data=payload.model_dump(mode="json"),
            correlation_id=cause.correlation_id,
            causation_id=cause.event_id,
        )
