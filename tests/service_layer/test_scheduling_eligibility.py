"""Following eligibility changes and stays over in-memory stores: who is released, under which
ids and causes, and who fills the freed slots."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from peerlink_scheduling.domain.stays import Admitted, Left
from peerlink_scheduling.service_layer.requests import RequestSession
from peerlink_shared.contracts import (
    AdmissionRecorded,
    DischargeRecorded,
    EligibilityChanged,
    ProgrammeEnded,
)
from peerlink_shared.contracts.base import Payload
from peerlink_shared.envelope import Envelope, derived_event_id, make_envelope
from peerlink_shared.publishing import Cause

from tests.fakes.scheduling import SchedulingWorld

NOW = datetime(2030, 3, 4, 9, tzinfo=UTC)
AT = NOW + timedelta(days=1, hours=1)


def event(payload: Payload, *, event_id: str, subject: str = "p-a") -> Envelope:
    return make_envelope(
        event_id=event_id,
        source="/peerlink/eligibility",
        event_type=payload.event_type(),
        subject=subject,
        time=NOW,
        data=payload.model_dump(mode="json"),
        correlation_id="flow-e",
    )


def change(
    person_id: str, *, eligible: bool, eligible_from: date | None = None
) -> EligibilityChanged:
    return EligibilityChanged(
        person_id=person_id,
        centre_id="north",
        eligible=eligible,
        reasons=() if eligible else ("relapsed",),
        eligible_from=eligible_from,
        decided_on=NOW.date(),
    )


async def booked_world() -> tuple[SchedulingWorld, str]:
    """p-a booked into a session tomorrow at north; nobody else may serve yet."""
    world = SchedulingWorld(NOW)
    await world.may_serve("north", "p-a")
    command = RequestSession("north", AT, timedelta(hours=1), supporters_needed=1)
    request = await world.cases.requests.request_session(command, cause=Cause("flow-1"))
    world.outbox.added.clear()
    return world, request.session_id


async def test_newly_eligible_supporters_fill_the_centres_open_sessions() -> None:
    world = SchedulingWorld(NOW)
    command = RequestSession("north", AT, timedelta(hours=1), supporters_needed=1)
    request = await world.cases.requests.request_session(command, cause=Cause("flow-1"))
    arriving = event(change("p-a", eligible=True), event_id="e-1")

    await world.cases.eligibility.on_eligibility_changed(arriving, change("p-a", eligible=True))

    assert [a.supporter_id for a in await world.sessions.assignments_of(request.session_id)] == [
        "p-a"
    ]
    assert world.types()[-2:] == ["supporter-assigned", "filled"]
    assert world.published()[-1].correlationid == "flow-e"


async def test_a_supporter_no_longer_eligible_is_released_and_replaced() -> None:
    world, session_id = await booked_world()
    (held,) = await world.sessions.assignments_of(session_id)
    await world.may_serve("north", "p-b")
    revoked = change("p-a", eligible=False)
    cause = event(revoked, event_id="e-2")

    await world.cases.eligibility.on_eligibility_changed(cause, revoked)

    assert world.types() == ["supporter-unassigned", "supporter-assigned", "filled"]
    unassigned = world.published()[0]
    assert unassigned.id == derived_event_id("unassigned", held.assignment_id)
    assert (unassigned.correlationid, unassigned.causationid) == ("flow-e", "e-2")
    assert [a.supporter_id for a in await world.sessions.assignments_of(session_id)] == ["p-b"]
    assert not any(key.startswith("p-a@") for key in world.sessions.holds)


async def test_sessions_on_or_after_the_day_they_qualify_again_are_kept() -> None:
    world, session_id = await booked_world()
    back_by_then = change("p-a", eligible=False, eligible_from=AT.date())

    await world.cases.eligibility.on_eligibility_changed(
        event(back_by_then, event_id="e-3"), back_by_then
    )

    assert [a.supporter_id for a in await world.sessions.assignments_of(session_id)] == ["p-a"]
    assert world.published() == []


async def test_a_change_that_moves_only_the_reasons_does_nothing() -> None:
    world, session_id = await booked_world()
    revoked = change("p-a", eligible=False)
    await world.supporters.set_eligible(
        person_id="p-a", centre_id="north", eligible=False, eligible_from=None, changed_by="e-4"
    )

    await world.cases.eligibility.on_eligibility_changed(event(revoked, event_id="e-5"), revoked)

    assert [a.supporter_id for a in await world.sessions.assignments_of(session_id)] == ["p-a"]
    assert world.published() == []


async def test_stays_and_centres_are_kept_for_matching() -> None:
    world = SchedulingWorld(NOW)
    stays = world.cases.stays
    admitted = AdmissionRecorded(person_id="p-a", centre_id="north", admitted_on=date(2029, 1, 2))
    ended = ProgrammeEnded(
        person_id="p-a", centre_id="north", ended_on=date(2029, 4, 1), outcome="completed"
    )
    discharged = DischargeRecorded(
        person_id="p-a", centre_id="south", discharged_on=date(2029, 6, 1)
    )

    await stays.on_admission(event(admitted, event_id="f-1"), admitted)
    await stays.on_programme_ended(event(ended, event_id="f-2"), ended)
    await stays.on_discharge(event(discharged, event_id="f-3"), discharged)
    await world.centre("north", timezone="Europe/Dublin")

    assert await world.supporters.history_of("p-a") == (
        [Admitted("north", date(2029, 1, 2))],
        [Left("north", date(2029, 4, 1), completed=True), Left("south", date(2029, 6, 1))],
    )
    assert await world.supporters.timezone_of("north") == "Europe/Dublin"
