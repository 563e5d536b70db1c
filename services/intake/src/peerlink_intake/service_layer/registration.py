"""Registering a centre, and a person at their home centre."""

from __future__ import annotations

from peerlink_shared.clock import Clock
from peerlink_shared.contracts import CentreRegistered, PersonRegistered
from peerlink_shared.envelope import derived_event_id
from peerlink_shared.publishing import Cause, Publisher

from peerlink_intake.domain.links import Link
from peerlink_intake.service_layer.errors import EventIdReused
from peerlink_intake.service_layer.fact_log import FactLog
from peerlink_intake.service_layer.ports import Centres, Persons


class Registration:
    def __init__(
        self,
        *,
        centres: Centres,
        persons: Persons,
        log: FactLog,
        centre_events: Publisher,
        clock: Clock,
    ) -> None:
        self._centres = centres
        self._persons = persons
        self._log = log
        self._centre_events = centre_events
        self._clock = clock

    async def register_centre(self, centre: CentreRegistered, *, cause: Cause) -> None:
        await self._centre_events.publish(centre, subject=centre.centre_id, cause=cause)
        await self._centres.save_centre(centre)

    async def register_person(
        self, *, person_id: str, centre_id: str, recorded_by: str | None, cause: Cause
    ) -> bool:
        """Registers a new person at their home centre, which is linked to them from now on.
        False when the id is taken (the caller draws another)."""
        fact = PersonRegistered(
            person_id=person_id, centre_id=centre_id, registered_on=self._clock.today()
        )
        # Under an id fixed by the person id: a clash with an earlier registration finds
        # that one's fact, and publishes nothing.
        event_id = derived_event_id("registered", person_id)
        try:
            if await self._log.earlier(fact, event_id=event_id) is None:
                await self._log.append(fact, event_id=event_id, cause=cause)
        except EventIdReused:
            return False
        home = Link(centre_id, "home", fact.registered_on, recorded_by=recorded_by)
        return await self._persons.add_person(person_id=person_id, home=home, at=self._clock.now())
