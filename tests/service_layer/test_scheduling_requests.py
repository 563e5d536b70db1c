"""Requesting a group session or a one-on-one meeting, and cancelling one, over in-memory
stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from peerlink_scheduling.service_layer.requests import RequestMeeting, RequestSession
from peerlink_scheduling.service_layer.schedule import NoSuchSession
from peerlink_shared.envelope import derived_event_id
from peerlink_shared.publishing import Cause

from tests.fakes.scheduling import SchedulingWorld

NOW = datetime(2030, 3, 4, 9, tzinfo=UTC)
AT = NOW + timedelta(days=1, hours=1)


async def test_a_session_request_is_announced_stored_in_the_centres_zone_and_filled() -> None:
    world = SchedulingWorld(NOW)
    await world.centre("north", timezone="Europe/Dublin")
    await world.may_serve("north", "p-a")
    command = RequestSession("north", AT, timedelta(minutes=90), supporters_needed=1)

    request = await world.cases.requests.request_session(command, cause=Cause("flow-1"))

    assert request.session_id.startswith("s-")
    assert (request.kind, request.timezone) == ("group", "Europe/Dublin")
    assert await world.sessions.session(request.session_id) == request
    assert world.types() == ["requested", "supporter-assigned", "filled"]
    requested = world.published()[0]
    assert requested.id == derived_event_id("session-requested", request.session_id)
    assert requested.data["duration_minutes"] == 90
    assert (requested.correlationid, requested.causationid) == ("flow-1", None)


async def test_a_meeting_request_is_a_one_on_one_for_one_supporter() -> None:
    world = SchedulingWorld(NOW)
    await world.may_serve("north", "p-a", "p-b")
    command = RequestMeeting("north", "p-res", AT, AT + timedelta(hours=4), timedelta(hours=1))

    request = await world.cases.requests.request_meeting(command, cause=Cause("flow-1"))

    assert request.session_id.startswith("m-")
    assert (request.kind, request.supporters_needed) == ("one_on_one", 1)
    meeting_requested = world.published()[0]
    assert meeting_requested.type == "peerlink.session.meeting-requested.v1"
    assert meeting_requested.data["window_ends_at"] == "2030-03-05T14:00:00Z"
    assert [a.supporter_id for a in await world.sessions.assignments_of(request.session_id)] == [
        "p-a"
    ]


async def test_requesting_the_same_session_again_publishes_the_same_event_once() -> None:
    world = SchedulingWorld(NOW)
    command = RequestSession("north", AT, timedelta(hours=1), supporters_needed=1)
    request = await world.cases.requests.request_session(command, cause=Cause("flow-1"))

    await world.cases.requests.request(request, cause=Cause("flow-1"))

    assert world.types() == ["requested", "unfilled"]


async def test_cancelling_releases_everyone_booked_and_tells_who_was() -> None:
    world = SchedulingWorld(NOW)
    await world.may_serve("north", "p-a", "p-b")
    command = RequestSession("north", AT, timedelta(hours=1), supporters_needed=2)
    request = await world.cases.requests.request_session(command, cause=Cause("flow-1"))

    released = await world.cases.requests.cancel(request, cause=Cause("flow-2"))

    assert released == ["p-a", "p-b"]
    assert await world.sessions.assignments_of(request.session_id) == []
    assert world.sessions.holds == {}
    assert await world.sessions.is_cancelled(request.session_id)
    cancelled = world.published()[-1]
    assert cancelled.type == "peerlink.session.cancelled.v1"
    assert cancelled.id == derived_event_id("cancelled", request.session_id)
    assert (cancelled.data["supporter_ids"], cancelled.correlationid) == (["p-a", "p-b"], "flow-2")
    assert await world.cases.schedule.upcoming("north") == []


async def test_a_session_is_found_only_at_its_own_centre() -> None:
    world = SchedulingWorld(NOW)
    command = RequestSession("north", AT, timedelta(hours=1), supporters_needed=1)
    request = await world.cases.requests.request_session(command, cause=Cause("flow-1"))

    assert await world.cases.schedule.session_at("north", request.session_id) == request
    with pytest.raises(NoSuchSession):
        await world.cases.schedule.session_at("south", request.session_id)
    with pytest.raises(NoSuchSession):
        await world.cases.schedule.session_at("north", "s-none")


async def test_the_schedule_says_why_a_session_is_open() -> None:
    world = SchedulingWorld(NOW)
    command = RequestSession("north", AT, timedelta(hours=1), supporters_needed=1)
    await world.cases.requests.request_session(command, cause=Cause("flow-1"))

    (booked,) = await world.cases.schedule.upcoming("north")

    assert (booked.assignments, booked.unfilled_reason) == ((), "no_eligible_supporters")
