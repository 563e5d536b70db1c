"""A supporter's time held against the real database: a session's 5-minute buckets are
held in order with one insert command (not one per bucket), and a hold that meets a bucket
already taken holds nothing, leaving the other hold whole."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from peerlink_scheduling.adapters.sessions import HOLDS_PER_WRITE, SessionRepository
from peerlink_shared.storage.mongo import Database, MongoClient
from pymongo import AsyncMongoClient, monitoring

from tests.servers import Servers

TEN = datetime(2031, 3, 4, 10, tzinfo=UTC)
HOUR = timedelta(hours=1)


class Inserts(monitoring.CommandListener):
    """The documents of each insert command into `time_holds`, one list per command (and the
    holds each delete command names)."""

    def __init__(self) -> None:
        self.commands: list[list[str]] = []
        self.deletes: list[list[str]] = []  # the `_id`s of each delete command's statements

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name == "insert" and event.command.get("insert") == "time_holds":
            self.commands.append([doc["_id"] for doc in event.command["documents"]])
        if event.command_name == "delete" and event.command.get("delete") == "time_holds":
            self.deletes.append([item["q"]["_id"] for item in event.command["deletes"]])

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@pytest.fixture(scope="module")
async def counted(servers: Servers) -> AsyncIterator[tuple[MongoClient, Inserts]]:
    inserts = Inserts()
    client: MongoClient = AsyncMongoClient(servers.mongo_url, event_listeners=[inserts])
    async with client:
        yield client, inserts


@pytest.fixture
async def db(
    counted: tuple[MongoClient, Inserts], run_id: str, request: pytest.FixtureRequest
) -> AsyncIterator[Database]:
    client, inserts = counted
    found = client[f"{run_id}_holds_{request.node.name[-20:]}"]
    await SessionRepository(found).ensure_indexes()
    inserts.commands.clear()
    inserts.deletes.clear()
    yield found
    await client.drop_database(found.name)


@pytest.fixture
def inserts(counted: tuple[MongoClient, Inserts]) -> Inserts:
    return counted[1]


async def an_hour_held(db: Database, supporter_id: str = "p-1") -> str:
    """Ten to eleven held for the supporter (session s-1); the hold's token."""
    token = await SessionRepository(db).hold_time(supporter_id, TEN, TEN + HOUR, session_id="s-1")
    assert token is not None
    return token


async def holds_of(db: Database, token: str) -> list[str]:
    return sorted([doc["_id"] async for doc in db["time_holds"].find({"token": token})])


async def test_an_hour_is_held_in_twelve_buckets_with_one_insert(
    db: Database, inserts: Inserts
) -> None:
    held = await holds_of(db, await an_hour_held(db))
    assert len(held) == 12
    assert held[0] == "p-1@2031-03-04T10:00Z" and held[-1] == "p-1@2031-03-04T10:55Z"
    assert inserts.commands == [held]


async def test_a_long_session_is_held_in_commands_of_at_most_the_bound(
    db: Database, inserts: Inserts
) -> None:
    day = 24 * HOUR  # 288 buckets
    token = await SessionRepository(db).hold_time("p-1", TEN, TEN + day, session_id="s-1")
    assert token is not None
    assert len(await holds_of(db, token)) == 288
    assert [len(c) for c in inserts.commands] == [HOLDS_PER_WRITE] * (288 // HOLDS_PER_WRITE)


async def test_a_hold_meeting_a_taken_bucket_holds_nothing_and_leaves_the_other_whole(
    db: Database, inserts: Inserts
) -> None:
    sessions, first = SessionRepository(db), await an_hour_held(db)
    # Half an hour later: its first six buckets are free, the seventh is the first's.
    later = TEN + timedelta(minutes=30) - HOUR
    assert await sessions.hold_time("p-1", later, later + HOUR, session_id="s-2") is None
    assert len(await holds_of(db, first)) == 12
    assert await db["time_holds"].count_documents({"session_id": "s-2"}) == 0
    # What it held (six buckets) was dropped with one delete command.
    assert [len(d) for d in inserts.deletes] == [6]
    # The second hold's one insert stopped at the taken bucket: nothing after it was tried.
    assert inserts.commands[1] == [f"p-1@2031-03-04T09:{m:02d}Z" for m in range(30, 60, 5)] + [
        f"p-1@2031-03-04T10:{m:02d}Z" for m in range(0, 30, 5)
    ]


async def test_another_supporter_at_the_same_time_is_held_apart(db: Database) -> None:
    assert await an_hour_held(db, "p-1") != await an_hour_held(db, "p-2")
    assert await db["time_holds"].count_documents({}) == 24


async def test_freeing_time_deletes_its_buckets_with_one_command_and_only_its_own(
    db: Database, inserts: Inserts
) -> None:
    sessions, token = SessionRepository(db), await an_hour_held(db)
    await sessions.free_time("p-1", TEN, TEN + HOUR, token="another attempt's")
    assert len(await holds_of(db, token)) == 12  # another hold's token frees nothing
    await sessions.free_time("p-1", TEN, TEN + HOUR, token=token)
    assert await holds_of(db, token) == []
    assert [len(d) for d in inserts.deletes] == [12, 12]


async def test_freeing_time_without_a_token_frees_whatever_holds_it(db: Database) -> None:
    await an_hour_held(db, "p-1")
    await an_hour_held(db, "p-2")
    await SessionRepository(db).free_time("p-1", TEN, TEN + HOUR, token=None)
    assert await db["time_holds"].count_documents({}) == 12  # p-2's stay
