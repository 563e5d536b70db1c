"""EligibilityChanged events: made from decisions, recorded in the outbox under ids fixed by
what caused them and the outcome they announce."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from peerlink_shared.clock import Clock
from peerlink_shared.contracts import EligibilityChanged
from peerlink_shared.messaging.envelope import Envelope, derived_event_id, make_envelope
from peerlink_shared.messaging.outbox import Outbox
from peerlink_shared.messaging.topics import Topics

from peerlink_eligibility.domain.decision import Decision

SOURCE = "/peerlink/eligibility"


@dataclass(frozen=True)
class Cause:
    """What made us re-decide: fixes the ids of the events this produces."""

    event_id: str
    correlation_id: str
    # Rounds of deciding again after a lost write: each round's events need ids of their
    # own, or one repeating an outcome announced earlier in the flow is dropped as a copy.
    round: int = 0

    def again(self) -> Cause:
        return replace(self, round=self.round + 1)


class Announcements:
    def __init__(self, *, outbox: Outbox, topics: Topics, clock: Clock) -> None:
        self._outbox = outbox
        self._topic = topics.eligibility_changes
        self._clock = clock

    async def record(self, decisions: Sequence[Decision], cause: Cause) -> None:
        """Records an EligibilityChanged per decision; recording one again changes nothing."""
        envelopes = [self._changed(decision, cause) for decision in decisions]
        await self._outbox.add_all(envelopes=envelopes, topic=self._topic)

    def _changed(self, decision: Decision, cause: Cause) -> Envelope:
        payload = EligibilityChanged(
            person_id=decision.person_id,
            centre_id=decision.centre_id,
            eligible=decision.eligible,
            reasons=tuple(reason.value for reason in decision.reasons),
            eligible_from=decision.eligible_from,
            decided_on=self._clock.today(),
        )
        rounds = [f"round-{cause.round}"] if cause.round else []
        return make_envelope(
            event_id=derived_event_id(
                "eligibility",
                cause.event_id,
                *rounds,
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
