"""PyMongo async client lifecycle. Works with MongoDB and FerretDB v1 (no transactions)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from pymongo import AsyncMongoClient, DeleteOne, ReplaceOne, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError
from pymongo.results import BulkWriteResult

from peerlink_shared.lifecycle.subject_access import MAX_RECORDS

# A document as PyMongo returns it; the one place we accept an open mapping, at the edge.
Document = dict[str, Any]
Database = AsyncDatabase[Document]
MongoClient = AsyncMongoClient[Document]
# MongoDB's (and FerretDB's) error code for a unique-index violation.
DUPLICATE_KEY = 11000
# FerretDB v1, the local and CI server (INFRA.md), holds one of its 50 pooled PostgreSQL
# connections per statement of an `update` command until the command ends, and needs one
# more to write each; once updates in flight hold them all, it hangs for good. So a client
# keeps at most this many update statements (a findAndModify is one) in flight, in one
# command or side by side: three such clients at once still leave connections free.
# (Inserts and deletes hand theirs back as they go.)
MAX_UPDATES_PER_COMMAND = 16

Write = UpdateOne | ReplaceOne[Document] | DeleteOne


def make_mongo_client(url: str, *, max_pool_size: int = 100) -> MongoClient:
    """`max_pool_size` bounds the operations in flight at once (PyMongo's default: 100)."""
    # tz_aware: every datetime we store is UTC and must come back aware.
    return AsyncMongoClient(
        url,
        tz_aware=True,
        serverSelectionTimeoutMS=5000,
        connectTimeoutMS=5000,
        maxPoolSize=max_pool_size,
        appname="peerlink",
    )


async def insert_once(collection: AsyncCollection[Document], document: Document) -> bool:
    """Inserts a document under its `_id` unless one exists; True if this call inserted it.

    A unique-index insert is the one write FerretDB and MongoDB both make race-free: of two
    writers, exactly one succeeds and the other sees a duplicate key. (An upsert is not:
    concurrent upserts on one `_id` can fail with a duplicate key too.)
    """
    try:
        await collection.insert_one(document)
    except DuplicateKeyError:
        return False
    return True


async def insert_all_once(collection: AsyncCollection[Document], documents: list[Document]) -> None:
    """Inserts each document under its `_id` unless one exists, with one write."""
    try:
        await collection.insert_many(documents, ordered=False)
    except BulkWriteError as error:
        codes = {failure.get("code") for failure in error.details.get("writeErrors", [])}
        if codes - {DUPLICATE_KEY} or error.details.get("writeConcernErrors"):
            raise


K = TypeVar("K")
V = TypeVar("V")
READS_AT_ONCE = 16


async def each(
    keys: Sequence[K], read: Callable[[K], Awaitable[V]], *, at_once: int = READS_AT_ONCE
) -> list[V]:
    """One read per key, at most `at_once` side by side, answers in the keys' order: how to
    read many documents by an indexed key on both servers (FerretDB v1 answers a `$in` by
    reading the whole collection)."""
    limit = asyncio.Semaphore(at_once)

    async def one(key: K) -> V:
        async with limit:
            return await read(key)

    return list(await asyncio.gather(*(one(key) for key in keys)))


async def for_report(
    collection: AsyncCollection[Document], query: Document, *, by: str
) -> list[Document]:
    """What a subject access report shows of a collection, oldest `by` first: one more than
    it shows, so the report can say it was cut."""
    return await collection.find(query).sort(by, 1).limit(MAX_RECORDS + 1).to_list()


async def mongo_ready(client: MongoClient) -> bool:
    try:
        await client.admin.command("ping")
    except Exception:
        return False
    return True


class BulkWriter(Protocol):
    """What `bulk_write_in_batches` needs of a collection; an AsyncCollection is one."""

    async def bulk_write(
        self, requests: Sequence[Write], ordered: bool = ...
    ) -> BulkWriteResult: ...


@dataclass(frozen=True)
class WriteCounts:
    matched: int
    modified: int
    upserted: int
    deleted: int


async def bulk_write_in_batches(*, collection: BulkWriter, writes: Sequence[Write]) -> WriteCounts:
    """Applies the writes in order, in commands of at most MAX_UPDATES_PER_COMMAND sent one
    after another. The first failing write raises (BulkWriteError, its indexes counted from
    the start of its batch); the batches before it stay applied, as in one ordered bulk_write.
    """
    matched = modified = upserted = deleted = 0
    for start in range(0, len(writes), MAX_UPDATES_PER_COMMAND):
        batch = writes[start : start + MAX_UPDATES_PER_COMMAND]
        result = await collection.bulk_write(batch, ordered=True)
        matched += result.matched_count
        modified += result.modified_count
        upserted += result.upserted_count
        deleted += result.deleted_count
    return WriteCounts(matched=matched, modified=modified, upserted=upserted, deleted=deleted)
