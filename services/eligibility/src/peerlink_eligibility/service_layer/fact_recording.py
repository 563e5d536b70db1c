"""Recording a fact about a person: store it, then re-decide the person."""

from __future__ import annotations

from peerlink_eligibility.service_layer.announcements import Trigger
from peerlink_eligibility.service_layer.ports import EligibilityStore, RecordedFact
from peerlink_eligibility.service_layer.preview_facts import PreviewFacts
from peerlink_eligibility.service_layer.reevaluation import Reevaluator


class FactRecording:
    def __init__(
        self,
        *,
        repository: EligibilityStore,
        reevaluator: Reevaluator,
        preview_facts: PreviewFacts | None = None,  # None: no what-if holds facts here
    ) -> None:
        self._repository = repository
        self._reevaluator = reevaluator
        self._preview_facts = preview_facts

    async def record(self, fact: RecordedFact, *, trigger: Trigger) -> bool:
        """Stores the fact once per event (the trigger's) and re-decides the person; False
        when the person was erased and nothing was stored."""
        snapshot = await self._repository.add_fact(event_id=trigger.event_id, fact=fact)
        if snapshot is None:
            return False
        if self._preview_facts is not None:
            self._preview_facts.record(snapshot)  # the next what-if sees this fact
        await self._reevaluator.person(fact.person_id, trigger=trigger, snapshot=snapshot)
        return True
