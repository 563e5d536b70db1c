"""PyMongo async client lifecycle. Works with MongoDB and FerretDB v1 (no transactions)."""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

# A document as PyMongo returns it; the one place we accept an open mapping, at the edge.
Document = dict[str, Any]
Database = AsyncDatabase[Document]
MongoClient = AsyncMongoClient[Document]


def make_mongo_client(url: str) -> MongoClient:
    # tz_aware: every datetime we store is UTC and must come back aware.
    return AsyncMongoClient(
        url, tz_aware=True, serverSelectionTimeoutMS=5000, connectTimeoutMS=5000, appname="peerlink"
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


async def mongo_ready(client: MongoClient) -> bool:
    try:
        await client.admin.command("ping")
    except Exception:
        return False
    return True
