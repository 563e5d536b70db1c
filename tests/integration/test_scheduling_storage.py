"""Scheduling's stores against the real database: a fill reads its whole pool in a fixed
number of queries, however many candidates there are, and reads what it read one by one
before (availability, stays, bookings, absent records included)."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta

import pytest
from peerlink_scheduling.adapters.sessions import SessionRepository
from peerlink_scheduling.adapters.supporters import SupporterRepository
from peerlink_scheduling.bootstrap import session_events, use_cases
from peerlink_scheduling.domain.availability import Availability, Window
from peerlink_scheduling.domain.matching import SessionRequest
from peerlink_scheduling.domain.stays import Admitted, Left
from peerlink_shared.messaging.topics import Topics
from peerlink_shared.storage.mongo import Database, MongoClient
from pymongo import AsyncMongoClient

from tests.fakes.clock import MovableClock
from tests.fakes.outbox import RecordingOutbox
from tests.query_plans import QueryRecorder
from tests.servers import Servers

NOW = datetime(2031, 3, 3, 9, tzinfo=UTC)  # a Monday
AT_TEN = NOW + timedelta(days=1, hours=1)


@pytest.fixture(scope="module")
async def recorded(servers: Servers) -> AsyncIterator[tuple[MongoClient, QueryRecorder]]:
    """A client whose filtered commands can be recorded (the production client's options)."""
    recorder = QueryRecorder()
    client: MongoClient = AsyncMongoClient(
        servers.mongo_url, tz_aware=True, appname="peerlink", event_listeners=[recorder]
    )
    yield client, recorder
    await client.close()


@pytest.fixture
def client(recorded: tuple[MongoClient, QueryRecorder]) -> MongoClient:
    return recorded[0]


@pytest.fixture
def recorder(recorded: tuple[MongoClient, QueryRecorder]) -> QueryRecorder:
    return recorded[1]


@pytest.fixture
async def db(
    client: MongoClient, run_id: str, request: pytest.FixtureRequest
) -> AsyncIterator[Database]:
    found = client[f"{run_id}_sched_{request.node.name[-20:]}"]
    await SessionRepository(found).ensure_indexes()
    await SupporterRepository(found).ensure_indexes()
    yield found
    await client.drop_database(found.name)


async def pool_of(db: Database, size: int) -> None:
    """`size` supporters who may serve at north, each with a booking elsewhere; every
    other one with availability and stays recorded (so absent records are read too)."""
    supporters, sessions = SupporterRepository(db), SessionRepository(db)
    for n in range(size):
        supporter_id = f"p-{n:02d}"
        await supporters.set_eligible(
            person_id=supporter_id, centre_id="north", eligible=True, eligible_from=None
        )
        if n % 2 == 0:
            await supporters.set_availability(
                supporter_id,
                Availability(timezone="UTC", weekly={1: (Window(time(8), time(18)),)}),
            )
            await supporters.record_admission(supporter_id, Admitted("north", date(2020, 1, 6)))
            await supporters.record_leaving(supporter_id, Left("north", date(2020, 4, 6), True))
        elsewhere = SessionRequest(
            f"s-far-{n}", "south", AT_TEN - timedelta(days=14), timedelta(hours=1), 1
        )
        await sessions.claim_slot(
            elsewhere,
            slot=0,
            supporter_id=supporter_id,
            starts_at=elsewhere.starts_at,
            why="-",
            at=NOW,
        )


async def fill_counting(db: Database, recorder: QueryRecorder) -> Counter[str]:
    """Fills a fresh session for two at north; the filtered commands it sent, by kind."""
    clock = MovableClock(NOW)
    cases = use_cases(
        sessions=SessionRepository(db),
        supporters=SupporterRepository(db),
        events=session_events(outbox=RecordingOutbox(), topics=Topics(), clock=clock),
        clock=clock,
    )
    request = SessionRequest("s-1", "north", AT_TEN, timedelta(hours=1), 2)
    await SessionRepository(db).add_session(request, at=NOW)
    recorder.start()
    try:
        await cases.staffing.fill(request, correlation_id="flow-1")
    finally:
        queries = recorder.stop()
    assert len(await SessionRepository(db).assignments_of("s-1")) == 2
    return Counter(f"{q.command} {q.collection}" for q in queries)


async def test_a_fill_sends_as_many_queries_for_twelve_candidates_as_for_two(
    db: Database, client: MongoClient, run_id: str, recorder: QueryRecorder
) -> None:
    await pool_of(db, 2)
    small = await fill_counting(db, recorder)
    other = client[f"{db.name}_large"]
    try:
        await SessionRepository(other).ensure_indexes()
        await pool_of(other, 12)
        large = await fill_counting(other, recorder)
    finally:
        await client.drop_database(other.name)

    assert small == large
    assert small["find eligible"] == small["find availability"] == small["find histories"] == 1
    # The session's slots before and after, the pool's bookings once, each claim's own.
    assert small["find assignments"] == 2 + 1 + 2


async def test_the_pool_is_read_whole_with_absent_records_as_nothing_recorded(
    db: Database,
) -> None:
    await pool_of(db, 3)
    supporters, sessions = SupporterRepository(db), SessionRepository(db)

    candidates = await supporters.candidates_at("north")
    bookings = await sessions.bookings_of(["p-00", "p-01", "p-02", "p-nobody"])

    assert [c.supporter_id for c in candidates] == ["p-00", "p-01", "p-02"]
    assert [c.availability is not None for c in candidates] == [True, False, True]
    assert [len(c.admissions) + len(c.leavings) for c in candidates] == [2, 0, 2]
    assert candidates[0].leavings == (Left("north", date(2020, 4, 6), True),)
    assert {s: [b.session_id for b in found] for s, found in bookings.items()} == {
        "p-00": ["s-far-0"],
        "p-01": ["s-far-1"],
        "p-02": ["s-far-2"],
        "p-nobody": [],
    }
    assert await sessions.bookings_of([]) == {}
    assert await supporters.availability_of([]) == {}
