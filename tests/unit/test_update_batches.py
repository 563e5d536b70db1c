"""`bulk_write_in_batches` keeps FerretDB's update commands well under its pool."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from peerlink_shared.storage.mongo import MAX_UPDATES_PER_COMMAND, Write, bulk_write_in_batches
from pymongo import DeleteOne, ReplaceOne, UpdateOne
from pymongo.errors import BulkWriteError
from pymongo.results import BulkWriteResult

# FerretDB v1's PostgreSQL pool: an update command of this many statements hangs it.
FERRETDB_POOL = 50


class FakeCollection:
    def __init__(self, *, failing_batch: int | None = None) -> None:
        self.batches: list[list[Write]] = []
        self._failing_batch = failing_batch

    async def bulk_write(self, requests: Sequence[Write], ordered: bool = True) -> BulkWriteResult:
        assert ordered
        self.batches.append(list(requests))
        if len(self.batches) == self._failing_batch:
            raise BulkWriteError({"writeErrors": [{"index": 0, "code": 11000}]})
        updates = sum(not isinstance(write, DeleteOne) for write in requests)
        result = {"nMatched": updates, "nModified": updates, "nUpserted": 0, "upserted": []}
        return BulkWriteResult({**result, "nRemoved": len(requests) - updates}, True)


def test_three_full_batches_at_once_leave_ferretdb_connections_free() -> None:
    # A batch of n statements holds up to n pooled connections while it waits for one more.
    assert 3 * MAX_UPDATES_PER_COMMAND < FERRETDB_POOL


async def test_writes_go_in_order_in_batches_of_at_most_the_bound() -> None:
    writes: list[Write] = [UpdateOne({"_id": n}, {"$set": {"n": n}}) for n in range(40)]
    writes += [ReplaceOne({"_id": "r"}, {"n": 0}), DeleteOne({"_id": "d"})]
    collection = FakeCollection()

    counts = await bulk_write_in_batches(collection=collection, writes=writes)

    assert [write for batch in collection.batches for write in batch] == writes
    assert max(len(batch) for batch in collection.batches) == MAX_UPDATES_PER_COMMAND
    assert (counts.matched, counts.modified, counts.deleted) == (41, 41, 1)


async def test_a_failing_batch_stops_the_batches_after_it() -> None:
    writes: list[Write] = [DeleteOne({"_id": n}) for n in range(3 * MAX_UPDATES_PER_COMMAND)]
    collection = FakeCollection(failing_batch=2)

    with pytest.raises(BulkWriteError):
        await bulk_write_in_batches(collection=collection, writes=writes)

    assert len(collection.batches) == 2
