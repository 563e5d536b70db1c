"""Forgetting a person in scheduling over in-memory stores: their future sessions are released
(the same events a revocation publishes) and staffed again, meetings for them are cancelled,
and nothing of theirs is left."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from peerlink_scheduling.domain.availability import Availability
from peerlink_scheduling.domain.matching import SessionRequest
from peerlink_scheduling.domain.stays import Admitted
from peerlink_scheduling.service_layer.requests import RequestSession
from peerlink_shared.envelope import derived_event_id
from peerlink_shared.publishing import Cause

from tests.fakes.scheduling import ERASED, SchedulingWorld

NOW = datetime(2030, 3, 4, 9, tzinfo=UTC)


async def test_erasing_a_supporter_releases_restaffs_cancels_and_forgets() -> None:
    world = SchedulingWorld(NOW)
    await world.may_serve("north", "p-gone")
    for days in (1, 3):
        await world.cases.requests.request_session(
            RequestSession("north", NOW + timedelta(days=days), timedelta(hours=1), 1),
            cause=Cause("flow-1"),
        )
    past, later = await world.sessions.upcoming_sessions("north", after=NOW)
    await world.may_serve("north", "p-other")
    await world.supporters.set_availability("p-gone", Availability(timezone="UTC"))
    await world.supporters.record_admission("p-gone", Admitted("north", NOW.date()))
    await world.supporters.set_exclusions("north", "p-res", ["p-gone", "p-other"])
    await world.supporters.set_exclusions("north", "p-gone", ["p-other"])
    meeting = SessionRequest(
        "m-1",
        "north",
        NOW + timedelta(days=4),
        timedelta(hours=1),
        1,
        resident_id="p-gone",
        window_ends_at=NOW + timedelta(days=4, hours=6),
    )
    await world.sessions.add_session(meeting, at=NOW)
    (held_later,) = await world.sessions.assignments_of(later.session_id)
    world.clock.advance(timedelta(days=2))  # the first session is past now
    world.outbox.added.clear()

    counts = await world.cases.forgetting.erase_person(
        "p-gone", now=world.clock.now(), correlation_id="flow-erase"
    )

    assert world.types() == ["supporter-unassigned", "cancelled", "supporter-assigned", "filled"]
    unassigned = world.published()[0]
    assert unassigned.id == derived_event_id("unassigned", held_later.assignment_id)
    assert {e.correlationid for e in world.published()} == {"flow-erase"}
    assert [a.supporter_id for a in await world.sessions.assignments_of(later.session_id)] == [
        "p-other"
    ]
    assert await world.sessions.is_cancelled("m-1")
    assert counts == {
        "eligible": 1,
        "availability": 1,
        "histories": 1,
        "meetings_cancelled": 1,
        "assignments": 1,  # the past one; the future one was released
        "time_holds": 12,
        "sessions_as_resident": 1,
        "exclusions": 1,
    }
    assert await world.supporters.exclusions("north", "p-res") == frozenset({"p-other"})
    assert (await world.sessions.session("m-1")).resident_id == ERASED  # type: ignore[union-attr]
    assert await world.sessions.bookings_for_supporter("p-gone") == []
    assert await world.sessions.assignments_of(past.session_id) == []
    assert await world.supporters.eligibility_at("north") == {"p-other": datetime.min.date()}
