"""EligibilityChanged events: made from decisions, published under ids fixed by what caused
them and the outcome they announce."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from peerlink_shared.clock import Clock
from peerlink_shared.contracts import EligibilityChanged
from peerlink_shared.messaging.envelope import Envelope, derived_event_id
from peerlink_shared.messaging.publishing import Cause, Publication, Publisher

from peerlink_eligibility.domain.decision import Decision


@dataclass(frozen=True)
class Trigger:
    """What made us re-decide (an event, a policy's job, the clock): fixes the ids of the
    events this produces."""

    event_id: str
    correlation_id: str
    # Rounds of deciding again after a lost write: each round's events need ids of their
    # own, or one repeating an outcome announced earlier in the flow is dropped as a copy.
    round: int = 0

    @classmethod
    def of(cls, envelope: Envelope) -> Trigger:
        return cls(envelope.id, envelope.correlationid)

    def again(self) -> Trigger:
        return replace(self, round=self.round + 1)

    def cause(self) -> Cause:
        return Cause(correlation_id=self.correlation_id, causation_id=self.event_id)


class Announcements:
    def __init__(self, *, publisher: Publisher, clock: Clock) -> None:
        self._publisher = publisher
        self._clock = clock

    async def record(self, decisions: Sequence[Decision], trigger: Trigger) -> None:
        """Publishes an EligibilityChanged per decision; publishing one again changes nothing."""
        changes = [self._changed(decision, trigger) for decision in decisions]
        await self._publisher.publish_all(changes, trigger.cause())

    def _changed(self, decision: Decision, trigger: Trigger) -> Publication:
        payload = EligibilityChanged(
            person_id=decision.person_id,
            centre_id=decision.centre_id,
            eligible=decision.eligible,
            reasons=tuple(reason.value for reason in decision.reasons),
            eligible_from=decision.eligible_from,
            decided_on=self._clock.today(),
        )
        rounds = [f"round-{trigger.round}"] if trigger.round else []
        event_id = derived_event_id(
            "eligibility",
            trigger.event_id,
            *rounds,
            decision.person_id,
            decision.centre_id,
            str(decision.eligible),
            *decision.reasons,
        )
        return Publication(payload, decision.person_id, event_id)
