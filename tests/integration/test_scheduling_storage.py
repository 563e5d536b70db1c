"""Scheduling's stores against the real database: a fill reads its pool by one point lookup
per candidate (never a `$in`, which FerretDB v1 answers by scanning: adapters/pool_reads.py),
a bounded few in flight at once, never one after another; and reads what it read before
(availability, stays, bookings, absent records included). That each lookup is an index scan
is asserted in tests/hot_lookups/scheduling.py."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from peerlink_scheduling.adapters.pool_reads import POOL_READS_AT_ONCE
from peerlink_scheduling.adapters.sessions import SessionRepository
from peerlink_scheduling.adapters.supporters import SupporterRepository
from peerlink_scheduling.bootstrap import session_events, use_cases
from peerlink_scheduling.domain.availability import Availability, Window
from peerlink_scheduling.domain.matching import SessionRequest
from peerlink_scheduling.domain.stays import Admitted, Left
from peerlink_shared.messaging.topics import Topics
from peerlink_shared.storage.mongo import Database, MongoClient
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.cursor import AsyncCursor

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


class InFlight:
    """The most reads in flight at once, by collection: a store's `find_one` and cursor
    `to_list` calls (how it reads a pool), each counted from the call to its answer."""

    def __init__(self) -> None:
        self.now: Counter[str] = Counter()
        self.most: Counter[str] = Counter()

    def counting(
        self, read: Callable[..., Awaitable[Any]], collection: Callable[[Any], str]
    ) -> Callable[..., Awaitable[Any]]:
        async def counted(reader: Any, *args: Any, **kwargs: Any) -> Any:
            name = collection(reader)
            self.now[name] += 1
            self.most[name] = max(self.most[name], self.now[name])
            try:
                return await read(reader, *args, **kwargs)
            finally:
                self.now[name] -= 1

        return counted


@pytest.fixture
def in_flight(monkeypatch: pytest.MonkeyPatch) -> InFlight:
    found = InFlight()
    find_one = found.counting(AsyncCollection.find_one, lambda c: c.name)
    to_list = found.counting(AsyncCursor.to_list, lambda c: c.collection.name)
    monkeypatch.setattr(AsyncCollection, "find_one", find_one)
    monkeypatch.setattr(AsyncCursor, "to_list", to_list)
    return found


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


async def test_a_fill_reads_each_candidate_by_point_lookups_a_bounded_few_at_once(
    db: Database, recorder: QueryRecorder, in_flight: InFlight
) -> None:
    await pool_of(db, 20)

    queries = await fill_counting(db, recorder)

    # One lookup per candidate and collection, by its key (a `$in` would be one query).
    assert queries["find eligible"] == 1
    assert queries["find availability"] == queries["find histories"] == 20
    # The session's slots before and after, each candidate's bookings, each claim's own.
    assert queries["find assignments"] == 2 + 20 + 2
    # Side by side up to the bound, never past it (one by one would be 1; unbounded, 20).
    pool_reads = ("availability", "histories", "assignments")
    assert {name: in_flight.most[name] for name in pool_reads} == dict.fromkeys(
        pool_reads, POOL_READS_AT_ONCE
    )


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
