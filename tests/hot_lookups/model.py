"""What a hot lookup is: a call to a service's own adapter, the documents it reads, and the
index that should answer it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from peerlink_shared.storage.mongo import Database, Document

# Seeded times are fixed, so a lookup finds the same documents at every size.
BASE = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
SEED_CHUNK = 2000


@dataclass(frozen=True)
class Twin:
    """An index the service declares (its MongoDB name) and which key's GIN twin serves."""

    index: str
    key: int = 1


BY_ID = Twin("_id_")


def person(i: int) -> str:
    """The i-th seeded person's id, the same in every service's store."""
    return f"p{i:07d}"


@dataclass(frozen=True)
class Lookup:
    """`run(db, k)` makes the call through the service's adapter for a key of the k-th
    seeded document; `served_by` empty means a known scan, and `scan` says why."""

    name: str
    run: Callable[[Database, int], Awaitable[object]]
    served_by: tuple[Twin, ...]
    scan: str = ""


@dataclass(frozen=True)
class Seed:
    """The i-th document of a collection, shaped as the adapter writes it. Each lookup's
    answer is the same size however many documents there are."""

    collection: str
    document: Callable[[int], Document]


@dataclass(frozen=True)
class Store:
    """One service's database: `prepare` is the service's own `ensure_indexes`."""

    service: str
    prepare: Callable[[Database], Awaitable[None]]
    seeds: tuple[Seed, ...]
    lookups: tuple[Lookup, ...]


async def seed(db: Database, store: Store, *, start: int, stop: int) -> None:
    """Inserts documents start..stop-1 of every collection of the store."""
    for item in store.seeds:
        await seed_collection(db, item, start=start, stop=stop)


async def seed_collection(db: Database, item: Seed, *, start: int, stop: int) -> None:
    # Inserts only: FerretDB's limit on update batches does not apply.
    for first in range(start, stop, SEED_CHUNK):
        documents = [item.document(i) for i in range(first, min(first + SEED_CHUNK, stop))]
        await db[item.collection].insert_many(documents, ordered=False)
