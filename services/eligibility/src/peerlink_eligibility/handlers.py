"""Eligibility's use cases: store a person's fact, re-decide, publish what changed."""

from __future__ import annotations

import structlog
from peerlink_shared.clock import Clock
from peerlink_shared.contracts import (
    AdmissionRecorded,
    EligibilityChanged,
    ProgrammeEnded,
    RelapseRecorded,
    SobrietyMilestoneRecorded,
    VolunteeringChanged,
)
from peerlink_shared.envelope import Envelope, derived_event_id, make_envelope
from peerlink_shared.outbox import Outbox
from peerlink_shared.topics import Topics

from peerlink_eligibility.adapters.repository import EligibilityRepository
from peerlink_eligibility.domain.decision import Decision, centres_to_decide, decide
from peerlink_eligibility.domain.policy import default_policy

SOURCE = "/peerlink/eligibility"
log = structlog.get_logger("peerlink.eligibility")


class EligibilityHandlers:
    def __init__(
        self, *, repository: EligibilityRepository, outbox: Outbox, topics: Topics, clock: Clock
    ) -> None:
        self._repository = repository
        self._outbox = outbox
        self._topics = topics
        self._clock = clock

    async def on_admission(self, envelope: Envelope, fact: AdmissionRecorded) -> None:
        # Admissions do not change the default rule yet; kept as facts for later policies.
        await self._repository.add_fact(
            event_id=envelope.id,
            person_id=fact.person_id,
            kind="admission",
            fields={"centre_id": fact.centre_id, "admitted_on": fact.admitted_on.isoformat()},
        )
        await self.reevaluate(fact.person_id, cause=envelope)

    async def on_programme_ended(self, envelope: Envelope, fact: ProgrammeEnded) -> None:
        if fact.outcome == "completed":
            await self._repository.add_fact(
                event_id=envelope.id,
                person_id=fact.person_id,
                kind="completion",
                fields={"centre_id": fact.centre_id, "ended_on": fact.ended_on.isoformat()},
            )
        await self.reevaluate(fact.person_id, cause=envelope)

    async def on_milestone(self, envelope: Envelope, fact: SobrietyMilestoneRecorded) -> None:
        await self._repository.add_fact(
            event_id=envelope.id,
            person_id=fact.person_id,
            kind="sobriety",
            fields={"sober_since": fact.sober_since.isoformat()},
        )
        await self.reevaluate(fact.person_id, cause=envelope)

    async def on_relapse(self, envelope: Envelope, fact: RelapseRecorded) -> None:
        await self._repository.add_fact(
            event_id=envelope.id,
            person_id=fact.person_id,
            kind="relapse",
            fields={"relapsed_on": fact.relapsed_on.isoformat()},
        )
        await self.reevaluate(fact.person_id, cause=envelope)

    async def on_volunteering(self, envelope: Envelope, fact: VolunteeringChanged) -> None:
        await self._repository.add_fact(
            event_id=envelope.id,
            person_id=fact.person_id,
            kind="consent",
            fields={"volunteering": fact.volunteering, "changed_on": fact.changed_on.isoformat()},
        )
        await self.reevaluate(fact.person_id, cause=envelope)

    async def reevaluate(self, person_id: str, *, cause: Envelope) -> list[Decision]:
        """Re-decides every relevant centre; publishes and saves only decisions that changed."""
        facts = await self._repository.facts_of(person_id)
        before = await self._repository.decisions_of(person_id)
        today = self._clock.today()
        changed = []
        for centre_id in sorted(centres_to_decide(facts, frozenset(before))):
            decision = decide(facts, default_policy(centre_id), today)
            if decision.same_outcome(before.get(centre_id)):
                continue
            # Outbox first, under an id fixed by the cause: a retry re-records the same event.
            await self._outbox.add(
                envelope=self._changed(decision, cause), topic=self._topics.eligibility_changes
            )
            await self._repository.save_decision(decision, at=self._clock.now())
            log.info(
                "eligibility_changed",
                person=person_id,
                centre=centre_id,
                eligible=decision.eligible,
                reasons=[reason.value for reason in decision.reasons],
            )
            changed.append(decision)
        return changed

    def _changed(self, decision: Decision, cause: Envelope) -> Envelope:
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
                "eligibility", cause.id, decision.person_id, decision.centre_id
            ),
            source=SOURCE,
            event_type=payload.event_type(),
            subject=decision.person_id,
            time=self._clock.now(),
            data=payload.model_dump(mode="json"),
            correlation_id=cause.correlationid,
            causation_id=cause.id,
        )
