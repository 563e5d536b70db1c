"""The log of recorded facts: each fact once under its event id, published as it is stored."""

from __future__ import annotations

from dataclasses import dataclass

from peerlink_shared.clock import Clock
from peerlink_shared.contracts import PersonFact
from peerlink_shared.publishing import Cause, Publisher

from peerlink_intake.service_layer.errors import EventIdReused
from peerlink_intake.service_layer.ports import FactRecord, Facts


@dataclass(frozen=True)
class Recorded:
    event_id: str
    event_type: str
    duplicate: bool


class FactLog:
    def __init__(self, *, facts: Facts, person_events: Publisher, clock: Clock) -> None:
        self._facts = facts
        self._person_events = person_events
        self._clock = clock

    async def earlier(self, fact: PersonFact, *, event_id: str) -> Recorded | None:
        """The fact as recorded before under this event id; None if the id is new. Raises
        EventIdReused when the id holds another fact."""
        existing = await self._facts.recorded_fact(event_id)
        if existing is None:
            return None
        if existing != (fact.event_type(), fact.model_dump(mode="json")):
            raise EventIdReused(event_id)
        return Recorded(event_id=event_id, event_type=fact.event_type(), duplicate=True)

    async def append(self, fact: PersonFact, *, event_id: str, cause: Cause) -> Recorded:
        # Outbox first: if we crash before the fact is saved, a retry writes both again.
        await self._person_events.publish(
            fact, subject=fact.person_id, cause=cause, event_id=event_id
        )
        await self._facts.record_fact(
            FactRecord(
                event_id=event_id,
                person_id=fact.person_id,
                event_type=fact.event_type(),
                data=fact.model_dump(mode="json"),
                at=self._clock.now(),
            )
        )
        return Recorded(event_id=event_id, event_type=fact.event_type(), duplicate=False)
