"""Documents that expire: a TTL index where the server has them, a sweeper where it does not.

MongoDB deletes expired documents itself once a collection has a TTL index on a date field
(`expireAfterSeconds`). FerretDB v1, the local and CI server, refuses that option
("not implemented", code 238; FerretDB issue 2415, TTL arrived in v2), so there the index is
made without it and this sweeper deletes, every few minutes, in bounded batches, what is
past its period. Either way the store keeps the same promise (docs/privacy.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from pymongo import DeleteOne
from pymongo.errors import OperationFailure

from peerlink_shared.background import BackgroundLoop
from peerlink_shared.clock import Clock
from peerlink_shared.observability.metrics import RETENTION_DELETED
from peerlink_shared.storage.mongo import Database, Write, bulk_write_in_batches

log = structlog.get_logger("peerlink.retention")

NOT_IMPLEMENTED = 238  # FerretDB v1 for `expireAfterSeconds`
SWEEP_BATCH = 500
MAX_BATCHES_PER_SWEEP = 20  # at most 10,000 deletions per collection per run: bounded work


@dataclass(frozen=True)
class Expiry:
    """A collection's documents expire `keep` after the date in `field`."""

    collection: str
    field: str
    keep: timedelta

    def __post_init__(self) -> None:
        if self.keep <= timedelta(0):
            raise ValueError(f"{self.collection}: a retention period must be positive")

    def cutoff(self, now: datetime) -> datetime:
        """Documents dated strictly before this are expired."""
        return now - self.keep

    def expired(self, stamped: datetime, *, now: datetime) -> bool:
        return stamped < self.cutoff(now)


class RetentionSweeper(BackgroundLoop):
    """Declares each expiry's index (TTL where the server supports it) and, for those the
    server cannot expire itself, deletes expired documents every `every_seconds`."""

    name = "retention-sweeper"

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        expiries: Sequence[Expiry] = (),
        every_seconds: float = 900.0,
        batch: int = SWEEP_BATCH,
    ) -> None:
        super().__init__()
        self._db = db
        self._clock = clock
        self.expiries: list[Expiry] = list(expiries)
        self._every = every_seconds
        self._batch = batch
        # Until ensure_indexes learns otherwise, sweep everything: deleting twice is harmless.
        self._native: set[str] = set()

    def add(self, expiry: Expiry) -> None:
        self.expiries.append(expiry)

    async def ensure_indexes(self) -> None:
        for expiry in self.expiries:
            if await ensure_expiry_index(self._db, expiry):
                self._native.add(expiry.collection)

    @property
    def swept(self) -> list[Expiry]:
        """The expiries this sweeper deletes for (the server's TTL does the others)."""
        return [expiry for expiry in self.expiries if expiry.collection not in self._native]

    async def sweep(self) -> dict[str, int]:
        """Deletes what is expired now; returns how many per collection."""
        now = self._clock.now()
        deleted: dict[str, int] = {}
        for expiry in self.swept:
            count = await delete_expired(self._db, expiry, now=now, batch=self._batch)
            deleted[expiry.collection] = count
            if count:
                RETENTION_DELETED.labels(collection=expiry.collection).inc(count)
        return deleted

    async def _run(self) -> None:
        while True:
            try:
                deleted = await self.sweep()
                log.info("retention_swept", **deleted)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                # The database is away: the next run deletes what this one could not.
                log.warning("retention_sweep_failed", error=type(error).__name__)
            await asyncio.sleep(self._every)


async def ensure_expiry_index(db: Database, expiry: Expiry) -> bool:
    """An index on the expiry's field, with `expireAfterSeconds` if the server takes it;
    True if the server expires the documents itself."""
    collection = db[expiry.collection]
    seconds = int(expiry.keep.total_seconds())
    try:
        await collection.create_index([(expiry.field, 1)], expireAfterSeconds=seconds)
    except OperationFailure as failure:
        if failure.code == NOT_IMPLEMENTED:
            await collection.create_index([(expiry.field, 1)])
            return False
        if failure.code in {85, 86}:  # IndexOptionsConflict: the period was changed
            await db.command(
                {
                    "collMod": expiry.collection,
                    "index": {"keyPattern": {expiry.field: 1}, "expireAfterSeconds": seconds},
                }
            )
            return True
        raise
    return True


async def delete_expired(db: Database, expiry: Expiry, *, now: datetime, batch: int) -> int:
    """Deletes documents dated before the cutoff, `batch` at a time, each delete an `_id`
    lookup that checks the date again; stops after MAX_BATCHES_PER_SWEEP batches (the
    next run goes on)."""
    collection = db[expiry.collection]
    before = {"$lt": expiry.cutoff(now)}
    deleted = 0
    for _ in range(MAX_BATCHES_PER_SWEEP):
        found = await collection.find({expiry.field: before}, {"_id": 1}).limit(batch).to_list()
        if not found:
            break
        writes: list[Write] = [
            DeleteOne({"_id": doc["_id"], expiry.field: before}) for doc in found
        ]
        counts = await bulk_write_in_batches(collection=collection, writes=writes)
        deleted += counts.deleted
        if len(found) < batch:
            break
    return deleted
