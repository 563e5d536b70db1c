"""Many updates reach FerretDB in bounded batches and leave it answering.

FerretDB v1 hangs for good on an update command of 50 statements (INFRA.md). 500 updates go
through `bulk_write_in_batches` to the real server; a guard in front of the collection
refuses any batch over the bound before it is sent, so a regression fails here instead of
wedging the server everyone shares. Then the server must still answer, and every update
must have applied.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import pytest
from peerlink_shared.storage.mongo import (
    MAX_UPDATES_PER_COMMAND,
    Document,
    MongoClient,
    Write,
    bulk_write_in_batches,
)
from pymongo import AsyncMongoClient, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.results import BulkWriteResult

from tests.servers import Servers

UPDATES = 500


class BatchGuard:
    """Sends batches on to the collection, refusing any larger than the bound."""

    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._collection = collection
        self.sizes: list[int] = []

    async def bulk_write(self, requests: Sequence[Write], ordered: bool = True) -> BulkWriteResult:
        assert len(requests) <= MAX_UPDATES_PER_COMMAND, f"a batch of {len(requests)} updates"
        self.sizes.append(len(requests))
        return await self._collection.bulk_write(requests, ordered=ordered)


@pytest.fixture
async def client(servers: Servers) -> AsyncIterator[MongoClient]:
    # Short timeouts: if the server stopped answering, this test fails in seconds.
    found: MongoClient = AsyncMongoClient(
        servers.mongo_url, serverSelectionTimeoutMS=3000, socketTimeoutMS=10000
    )
    yield found
    await found.close()


async def test_500_updates_in_bounded_batches_all_apply_and_the_server_still_answers(
    client: MongoClient, run_id: str
) -> None:
    db = client[f"{run_id}_update_batches"]
    try:
        counters = db["counters"]
        await counters.insert_many([{"_id": f"c-{n:03d}", "value": 0} for n in range(UPDATES)])
        guard = BatchGuard(counters)
        writes = [
            UpdateOne({"_id": f"c-{n:03d}"}, {"$set": {"value": n + 1}}) for n in range(UPDATES)
        ]

        counts = await bulk_write_in_batches(collection=guard, writes=writes)

        assert (counts.matched, counts.modified) == (UPDATES, UPDATES)
        assert sum(guard.sizes) == UPDATES
        assert len(guard.sizes) == -(-UPDATES // MAX_UPDATES_PER_COMMAND)
        async with asyncio.timeout(5):
            assert await counters.find_one({"_id": "c-000"}) == {"_id": "c-000", "value": 1}
        stored = {doc["_id"]: doc["value"] async for doc in counters.find({})}
        assert stored == {f"c-{n:03d}": n + 1 for n in range(UPDATES)}
    finally:
        await client.drop_database(db.name)
