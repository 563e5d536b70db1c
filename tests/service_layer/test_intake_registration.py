"""Registering centres and persons over fakes: what is stored, what is published, and that a
clash of person ids publishes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from peerlink_shared.contracts import CentreRegistered, PersonRegistered
from peerlink_shared.envelope import derived_event_id
from peerlink_shared.publishing import Cause

from tests.fakes.clock import MovableClock
from tests.fakes.intake import FakeIntake

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
NORTH = CentreRegistered(
    centre_id="north", display_name="North House", region="north", timezone="Europe/London"
)


@pytest.fixture
def intake() -> FakeIntake:
    return FakeIntake(MovableClock(NOW))


async def test_a_centre_is_stored_and_published_on_the_centre_topic(intake: FakeIntake) -> None:
    await intake.registration.register_centre(NORTH, cause=Cause("corr-1"))
    assert await intake.store.centre("north") == NORTH
    (envelope,) = intake.outbox.on(intake.topics.centre_events)
    assert (envelope.subject, envelope.type, envelope.correlationid) == (
        "north",
        CentreRegistered.event_type(),
        "corr-1",
    )
    assert envelope.data == NORTH.model_dump(mode="json")


async def test_a_person_is_linked_to_their_home_centre_and_published(
    intake: FakeIntake,
) -> None:
    registered = await intake.registration.register_person(
        person_id="p-1", centre_id="north", recorded_by="c-7", cause=Cause("corr-1")
    )
    assert registered
    (home,) = intake.store.links("p-1").links
    assert (home.centre_id, home.basis, home.linked_on, home.recorded_by) == (
        "north",
        "home",
        NOW.date(),
        "c-7",
    )
    (envelope,) = intake.outbox.on(intake.topics.person_events)
    assert envelope.id == derived_event_id("registered", "p-1")  # fixed by the person id
    assert PersonRegistered.model_validate(envelope.data).registered_on == NOW.date()
    assert envelope.id in intake.store.facts


async def test_a_taken_person_id_is_refused_and_publishes_nothing_more(
    intake: FakeIntake,
) -> None:
    await intake.registration.register_person(
        person_id="p-1", centre_id="north", recorded_by=None, cause=Cause("a")
    )
    again = await intake.registration.register_person(
        person_id="p-1", centre_id="south", recorded_by=None, cause=Cause("b")
    )
    assert not again
    assert len(intake.outbox.added) == 1
    assert intake.store.links("p-1").centres == {"north"}
