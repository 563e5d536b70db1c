"""Filling a session over in-memory stores: who is chosen, what is published under which ids
and causes, and what a second fill (a retry) does."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from peerlink_scheduling.domain.availability import Availability
from peerlink_scheduling.domain.matching import SessionRequest
from peerlink_shared.messaging.envelope import derived_event_id

from tests.fakes.scheduling import SchedulingWorld

NOW = datetime(2030, 3, 4, 9, tzinfo=UTC)  # a Monday
TOMORROW_10 = NOW + timedelta(days=1, hours=1)


def group(
    session_id: str = "s-1", *, needed: int = 2, at: datetime = TOMORROW_10
) -> SessionRequest:
    return SessionRequest(session_id, "north", at, timedelta(hours=1), needed)


async def stored(world: SchedulingWorld, request: SessionRequest) -> SessionRequest:
    await world.sessions.add_session(request, at=world.clock.now())
    return request


async def test_a_fill_books_eligible_supporters_and_announces_them_under_derived_ids() -> None:
    world = SchedulingWorld(NOW)
    await world.may_serve("north", "p-a", "p-b", "p-c")
    request = await stored(world, group())

    await world.cases.staffing.fill(request, correlation_id="flow-1")

    booked = await world.sessions.assignments_of("s-1")
    assert [(a.slot, a.supporter_id) for a in booked] == [(0, "p-a"), (1, "p-b")]
    assert all(a.announced for a in booked)
    assert world.types() == ["supporter-assigned", "supporter-assigned", "filled"]
    assigned, _, filled = world.published()
    assert assigned.id == derived_event_id("assigned", booked[0].assignment_id)
    state = f"filled:{TOMORROW_10.isoformat()}:p-a,p-b"
    assert filled.id == derived_event_id("staffing", "s-1", state)
    assert filled.data["supporter_ids"] == ["p-a", "p-b"]
    assert {(e.source, e.subject, e.correlationid, e.causationid) for e in world.published()} == {
        ("/peerlink/scheduling", "s-1", "flow-1", None)
    }
    assert await world.sessions.staffing_reported("s-1") == state


async def test_filling_again_publishes_nothing_new_and_reads_no_candidates() -> None:
    world = SchedulingWorld(NOW)
    await world.may_serve("north", "p-a", "p-b")
    request = await stored(world, group())
    await world.cases.staffing.fill(request, correlation_id="flow-1")
    reads = world.supporters.candidate_reads

    await world.cases.staffing.fill(request, correlation_id="flow-2")

    assert len(world.published()) == 3
    assert world.supporters.candidate_reads == reads  # a full session reads no pool


async def test_a_fill_reads_the_candidates_once_per_round() -> None:
    world = SchedulingWorld(NOW)
    await world.may_serve("north", *(f"p-{n:02d}" for n in range(20)))
    request = await stored(world, group(needed=3))

    await world.cases.staffing.fill(request, correlation_id="flow-1")

    assert world.supporters.candidate_reads == 1
    assert len(await world.sessions.assignments_of("s-1")) == 3


async def test_a_fill_reads_a_pool_of_thirty_in_as_many_calls_as_a_pool_of_three() -> None:
    async def reads(pool: int) -> tuple[int, int]:
        world = SchedulingWorld(NOW)
        await world.may_serve("north", *(f"p-{n:02d}" for n in range(pool)))
        await world.cases.staffing.fill(await stored(world, group()), correlation_id="flow-1")
        assert len(await world.sessions.assignments_of("s-1")) == 2
        return world.supporters.candidate_reads, world.sessions.booking_reads

    # One read of who may serve and one of their bookings: not one per candidate.
    assert await reads(3) == await reads(30) == (1, 1)


async def test_nobody_eligible_is_reported_once_as_unfilled() -> None:
    world = SchedulingWorld(NOW)
    request = await stored(world, group())

    await world.cases.staffing.fill(request, correlation_id="flow-1")
    await world.cases.staffing.fill(request, correlation_id="flow-2")

    (unfilled,) = world.published()
    assert unfilled.type == "peerlink.session.unfilled.v1"
    assert (unfilled.data["open_slots"], unfilled.data["reason"]) == (2, "no_eligible_supporters")
    assert unfilled.id == derived_event_id("staffing", "s-1", "unfilled:2:no_eligible_supporters")


async def test_a_supporter_busy_elsewhere_leaves_the_slot_open_for_want_of_free_people() -> None:
    world = SchedulingWorld(NOW)
    await world.may_serve("north", "p-a")
    first = await stored(world, group("s-1", needed=1))
    clash = await stored(world, group("s-2", needed=1, at=TOMORROW_10 + timedelta(minutes=30)))

    await world.cases.staffing.fill(first, correlation_id="flow-1")
    await world.cases.staffing.fill(clash, correlation_id="flow-2")

    assert await world.sessions.assignments_of("s-2") == []
    assert world.types() == ["supporter-assigned", "filled", "unfilled"]
    assert world.published()[-1].data["reason"] == "no_free_supporters"


async def test_a_supporter_away_that_day_or_not_yet_eligible_is_not_chosen() -> None:
    world = SchedulingWorld(NOW)
    await world.may_serve("north", "p-away", "p-here")
    await world.supporters.set_eligible(
        person_id="p-later", centre_id="north", eligible=False, eligible_from=date(2030, 4, 1)
    )
    await world.supporters.set_availability(
        "p-away", Availability(timezone="UTC", exceptions={TOMORROW_10.date(): ()})
    )
    request = await stored(world, group(needed=3))

    await world.cases.staffing.fill(request, correlation_id="flow-1")

    assert [a.supporter_id for a in await world.sessions.assignments_of("s-1")] == ["p-here"]
    assert world.published()[-1].data["open_slots"] == 2


async def test_an_assignment_claimed_but_not_announced_is_announced_by_the_next_fill() -> None:
    world = SchedulingWorld(NOW)
    request = await stored(world, group(needed=1))
    await world.sessions.claim_slot(
        request, slot=0, supporter_id="p-a", starts_at=TOMORROW_10, why="crashed", at=NOW
    )

    await world.cases.staffing.fill(request, correlation_id="flow-1")

    (assignment,) = await world.sessions.assignments_of("s-1")
    assert assignment.announced
    assert world.types() == ["supporter-assigned", "filled"]
    assert world.published()[0].id == derived_event_id("assigned", assignment.assignment_id)


async def test_a_cancelled_session_is_not_filled() -> None:
    world = SchedulingWorld(NOW)
    await world.may_serve("north", "p-a")
    request = await stored(world, group())
    await world.sessions.cancel_session("s-1", at=NOW)

    await world.cases.staffing.fill(request, correlation_id="flow-1")

    assert await world.sessions.assignments_of("s-1") == []
    assert world.published() == []


async def test_a_meeting_skips_excluded_supporters_and_holds_the_chosen_ones_time() -> None:
    world = SchedulingWorld(NOW)
    await world.may_serve("north", "p-a", "p-b")
    await world.supporters.set_exclusions("north", "p-res", ["p-a"])
    meeting = await stored(
        world,
        SessionRequest(
            "m-1",
            "north",
            TOMORROW_10,
            timedelta(hours=1),
            1,
            resident_id="p-res",
            window_ends_at=TOMORROW_10 + timedelta(hours=3),
        ),
    )

    await world.cases.staffing.fill(meeting, correlation_id="flow-1")

    (assignment,) = await world.sessions.assignments_of("m-1")
    assert (assignment.supporter_id, assignment.resident_id) == ("p-b", "p-res")
    assert len(world.sessions.holds) == 12  # one hour in 5-minute buckets
    assert await world.sessions.met_before("p-res") == frozenset({"p-b"})
