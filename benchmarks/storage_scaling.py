"""Storage scaling: what each service's hot lookups cost as their collections grow.

    make bench-storage                           # 10,000 and 200,000 documents
    make bench-storage SMALL=2000 LARGE=50000
    python -m benchmarks.storage_scaling --service scheduling   # from the repository root

Against the real FerretDB (PEERLINK_MONGO_URL). For each service, a fresh database built
with the service's own `ensure_indexes`; every collection its hot lookups read (the list in
tests/hot_lookups, also checked by tests/integration/test_index_plans.py) is seeded with
SMALL documents in one database and LARGE in another, and each lookup is timed through the
service's adapter on random keys, a call on one database then one on the other, so that
other work on the machine weighs on both sizes alike. A lookup's answer is the same size at
both sizes, so the growth ratio is what the collection's size costs: an index lookup should
stay under 2x; a known scan (marked) grows with the collection. The plan column is
PostgreSQL's plan, at LARGE, of every filter the lookup sent.

Every index-served lookup is first called a few times untimed; then each lookup is called
at most REPS times or for about BUDGET seconds on each database (at least once: a known scan
is timed once at LARGE), the first call dropped when there are others. The databases are
dropped at the end. Prints figures and the machine's load (other work shows in them);
asserts nothing. About 5 minutes here on 2 cores (9 when other work loads them), most of it
seeding 4.8 million documents; `--service` measures one service.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import statistics
import time
from dataclasses import dataclass

from peerlink_shared.storage.mongo import Database, MongoClient
from pymongo import AsyncMongoClient

from tests.hot_lookups import STORES, Lookup, Store
from tests.hot_lookups.model import Seed, seed_collection
from tests.query_plans import Query, QueryRecorder, explain

GOAL = 2.0
SEEDING_SIDE_BY_SIDE = 3
KEY_HEADROOM = 256  # lookups may ask for keys a little past k (a pool of candidates)
WARM_UP_CALLS = 20


@dataclass(frozen=True)
class Timing:
    calls: int
    mean_ms: float
    p99_ms: float


@dataclass(frozen=True)
class Row:
    service: str
    lookup: str
    known_scan: bool
    small: Timing
    large: Timing
    plan: str

    @property
    def ratio(self) -> float:
        return self.large.mean_ms / self.small.mean_ms


@dataclass(frozen=True)
class Settings:
    small: int
    large: int
    reps: int
    budget: float


class Sampler:
    """Call times of one lookup on one database, on random keys; the first call is kept
    apart (it pays for whatever the previous lookup left cold) and its filters recorded."""

    def __init__(self, db: Database, lookup: Lookup, *, size: int) -> None:
        self._db, self._lookup, self._size = db, lookup, size
        self._rng = random.Random(size)
        self.took: list[float] = []
        self.queries: list[Query] = []

    async def call(self, recorder: QueryRecorder) -> None:
        first = not self.took
        if first:
            recorder.start()
        began = time.perf_counter()
        try:
            await self._lookup.run(self._db, self._rng.randrange(self._size - KEY_HEADROOM))
        finally:
            if first:
                self.queries = recorder.stop()
        self.took.append((time.perf_counter() - began) * 1000)

    def timing(self) -> Timing:
        timed = self.took[1:] if len(self.took) > 1 else self.took
        p99 = statistics.quantiles(timed, n=100)[98] if len(timed) >= 2 else timed[0]
        return Timing(calls=len(timed), mean_ms=statistics.fmean(timed), p99_ms=p99)


async def time_lookup(
    dbs: tuple[Database, Database],
    lookup: Lookup,
    *,
    settings: Settings,
    recorder: QueryRecorder,
) -> tuple[Timing, Timing, list[Query]]:
    """Calls the lookup on the small and the large database in turn, so load from elsewhere
    on the machine weighs on both alike; returns both timings and the large one's filters."""
    small = Sampler(dbs[0], lookup, size=settings.small)
    large = Sampler(dbs[1], lookup, size=settings.large)
    began = time.perf_counter()
    while not large.took or (
        len(large.took) < settings.reps and time.perf_counter() - began < settings.budget
    ):
        # Alternate which goes first: neither always follows the other.
        for sampler in (small, large) if len(large.took) % 2 else (large, small):
            await sampler.call(recorder)
    return small.timing(), large.timing(), large.queries


async def plan_of(db: Database, queries: list[Query]) -> str:
    """'index' when every filter is answered from an index; 'SEQ SCAN' when one is not."""
    kinds = set()
    for query in queries:
        plan = await explain(db, query)
        kinds.add("SEQ SCAN" if plan.seq_scans() else "index" if plan.index_scans() else "other")
    return "/".join(sorted(kinds)) or "-"


async def build(dbs: tuple[Database, Database], store: Store, settings: Settings) -> float:
    """Builds the store at both sizes; returns the seconds it took."""
    began = time.perf_counter()
    gate = asyncio.Semaphore(SEEDING_SIDE_BY_SIDE)

    async def one(db: Database, item: Seed, size: int) -> None:
        async with gate:
            await seed_collection(db, item, start=0, stop=size)

    for db in dbs:
        await store.prepare(db)
    sizes = (settings.small, settings.large)
    await asyncio.gather(
        *(one(db, item, size) for db, size in zip(dbs, sizes, strict=True) for item in store.seeds)
    )
    return time.perf_counter() - began


async def warm_up(db: Database, store: Store, *, size: int) -> None:
    """A few calls of each index-served lookup first: freshly seeded collections are cold
    and just-written pages are still being vacuumed, which would count against the first
    lookups timed."""
    rng = random.Random(-size)
    for lookup in store.lookups:
        for _ in range(WARM_UP_CALLS if lookup.served_by else 0):
            await lookup.run(db, rng.randrange(size - KEY_HEADROOM))


async def measure_store(
    client: MongoClient, store: Store, *, settings: Settings, recorder: QueryRecorder, tag: str
) -> list[Row]:
    name = f"bench_storage_{tag}_{store.service}"
    dbs = (client[f"{name}_small"], client[f"{name}_large"])
    rows: list[Row] = []
    try:
        seconds = await build(dbs, store, settings)
        print(
            f"  {store.service}: {len(store.seeds)} collections of {settings.small:,} and of "
            f"{settings.large:,} documents (seeded in {seconds:.0f}s), "
            f"timing {len(store.lookups)} lookups",
            flush=True,
        )
        await warm_up(dbs[0], store, size=settings.small)
        await warm_up(dbs[1], store, size=settings.large)
        for lookup in store.lookups:
            small, large, queries = await time_lookup(
                dbs, lookup, settings=settings, recorder=recorder
            )
            plan = await plan_of(dbs[1], queries)
            rows.append(Row(store.service, lookup.name, not lookup.served_by, small, large, plan))
    finally:
        for db in dbs:
            await client.drop_database(db.name)
    return rows


async def run(settings: Settings, services: set[str]) -> list[Row]:
    url = os.environ.get("PEERLINK_MONGO_URL", "mongodb://127.0.0.1:27027/?directConnection=true")
    recorder = QueryRecorder()
    client: MongoClient = AsyncMongoClient(
        url, tz_aware=True, event_listeners=[recorder], serverSelectionTimeoutMS=5000
    )
    tag = secrets.token_hex(3)
    rows: list[Row] = []
    try:
        for store in STORES:
            if not services or store.service in services:
                rows += await measure_store(
                    client, store, settings=settings, recorder=recorder, tag=tag
                )
    finally:
        await client.close()
    return rows


def print_table(rows: list[Row], settings: Settings) -> None:
    small, large = f"{settings.small:,}", f"{settings.large:,}"
    width = max((len(f"{row.service}: {row.lookup}") for row in rows), default=6)
    print()
    print(
        f"{'lookup':<{width}}  {'plan':>8}  {'mean ' + small:>12} {'p99':>8}  "
        f"{'mean ' + large:>13} {'p99':>8}  {'ratio':>6}"
    )
    for row in rows:
        verdict = "known scan" if row.known_scan else "ok" if row.ratio < GOAL else "OVER GOAL"
        print(
            f"{row.service + ': ' + row.lookup:<{width}}  {row.plan:>8}  "
            f"{row.small.mean_ms:>9.2f} ms {row.small.p99_ms:>8.2f}  "
            f"{row.large.mean_ms:>10.2f} ms {row.large.p99_ms:>8.2f}  "
            f"{row.ratio:>5.1f}x  {verdict}"
        )
    served = [row for row in rows if not row.known_scan]
    over = [row for row in served if row.ratio >= GOAL]
    worst = max((row.ratio for row in served), default=0.0)
    print(
        f"\n{len(served)} index-served lookups, {len(over)} over the {GOAL:.0f}x goal "
        f"(worst {worst:.2f}x); {len(rows) - len(served)} known scans"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=200_000)
    parser.add_argument("--reps", type=int, default=200, help="calls per lookup and size, at most")
    parser.add_argument("--budget", type=float, default=1.0, help="seconds per lookup")
    parser.add_argument("--service", action="append", default=[], help="only these (repeatable)")
    args = parser.parse_args()
    settings = Settings(small=args.small, large=args.large, reps=args.reps, budget=args.budget)
    began = time.perf_counter()
    print(f"storage scaling: {settings.small:,} -> {settings.large:,} documents per collection")
    print(f"load average before: {_load()}")
    rows = asyncio.run(run(settings, set(args.service)))
    print_table(rows, settings)
    # Other work on the machine shows up in the figures: the load says how much there was.
    print(f"took {time.perf_counter() - began:.0f}s; load average after: {_load()}")
    print(
        json.dumps(
            [
                {
                    "lookup": f"{row.service}: {row.lookup}",
                    "known_scan": row.known_scan,
                    "calls": [row.small.calls, row.large.calls],
                    "mean_ms": [round(row.small.mean_ms, 3), round(row.large.mean_ms, 3)],
                    "p99_ms": [round(row.small.p99_ms, 3), round(row.large.p99_ms, 3)],
                    "ratio": round(row.ratio, 2),
                }
                for row in rows
            ]
        )
    )


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} CPUs"


if __name__ == "__main__":
    main()
