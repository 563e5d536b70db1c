"""What a centre may read of decisions: the reasons only for its own people (linked to it), a
network graduate's standing only while they share with the network."""

from __future__ import annotations

from peerlink_eligibility.domain.decision import Decision
from peerlink_eligibility.domain.disclosure import View, view_of
from peerlink_eligibility.service_layer.ports import EligibilityStore, Stored


class NotOwnPerson(Exception):
    """The person is not linked to the centre: their reasons are their own centres' to see."""


class NoDecision(Exception):
    """No decision the centre may see: none, no such person, or one who does not share."""


class DecisionReads:
    def __init__(self, *, repository: EligibilityStore) -> None:
        self._repository = repository

    async def _view(self, person_id: str, centre_id: str, *, sees_all: bool) -> View:
        if sees_all:
            return View.OWN
        return view_of((await self._repository.facts_of(person_id)).facts, centre_id)

    async def decision(self, person_id: str, centre_id: str, *, sees_all: bool) -> Stored:
        """`sees_all`: the reader sees every person's reasons (ops)."""
        if await self._view(person_id, centre_id, sees_all=sees_all) is not View.OWN:
            raise NotOwnPerson(person_id)
        stored = await self._repository.stored(person_id, centre_id)
        if stored is None:
            raise NoDecision(person_id)
        return stored

    async def standing(self, person_id: str, centre_id: str, *, sees_all: bool) -> Decision:
        decision = None
        if await self._view(person_id, centre_id, sees_all=sees_all) is not View.NONE:
            decision = await self._repository.decision(person_id, centre_id)
        # One answer for no decision, no such person and a person who does not share.
        if decision is None:
            raise NoDecision(person_id)
        return decision

    async def eligible_at(self, centre_id: str) -> list[str]:
        """Who is eligible at the centre, its own people or network graduates (ids only)."""
        return await self._repository.eligible_at(centre_id)

    async def decisions_of(self, person_id: str) -> list[Stored]:
        """Every centre's decision for the person, by centre."""
        stored = await self._repository.decisions_of(person_id)
        return [stored[centre] for centre in sorted(stored)]

    async def own_people(self, centre_id: str, *, eligible: bool | None) -> list[Stored]:
        """The centre's own people's decisions as stored (with the trace that wrote each;
        network graduates are not its to list), only the eligible (True) or the not yet
        (False) if asked."""
        stored = await self._repository.decisions_at(centre_id)
        facts = await self._repository.facts_of_many(sorted(stored))
        own = [
            stored[person]
            for person in sorted(stored)
            if person in facts and view_of(facts[person].facts, centre_id) is View.OWN
        ]
        return [s for s in own if eligible is None or s.decision.eligible is eligible]
