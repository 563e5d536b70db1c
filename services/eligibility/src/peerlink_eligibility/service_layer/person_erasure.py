"""Forgetting a person here: their facts, decisions and review claims, and what a what-if holds."""

from __future__ import annotations

from datetime import datetime

from peerlink_eligibility.service_layer.ports import EligibilityStore
from peerlink_eligibility.service_layer.preview_facts import PreviewFacts


class PersonErasure:
    def __init__(self, *, repository: EligibilityStore, preview_facts: PreviewFacts) -> None:
        self._repository = repository
        self._preview_facts = preview_facts

    async def erase(self, person_id: str, *, now: datetime, correlation_id: str) -> dict[str, int]:
        """Counts, by store, what held the person's data."""
        self._preview_facts.forget(person_id)  # the next what-if no longer counts them
        return await self._repository.erase_person(
            person_id, now=now, correlation_id=correlation_id
        )
