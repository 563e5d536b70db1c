"""How long filling one session takes as its pool and the network grow: `Staffing.fill` over
scheduling's real adapters on the real server (PEERLINK_MONGO_URL), for a pool of N
candidates at one centre with B other supporters (at 50 other centres) in the same
collections.

Two sides, each in the same run, on the same data, in turn:
- **bounded**: the store as it ships, reading each candidate by an indexed point lookup,
  `POOL_READS_AT_ONCE` in flight (`peerlink_scheduling.adapters.pool_reads`);
- **one by one** (the baseline): the same adapters with one lookup in flight.

Prints, per size, the median and best fill time of RUNS fills and the commands one fill sent.
A `$in` per read was measured and dropped (FerretDB v1 answers it by scanning the collection;
docs/architecture.md); this benchmark is how to measure a change to the store's batching.

    make bench-fill            # sizes 20:500 100:500 20:5000 100:5000, 5 runs each
    make bench-fill SIZES="50:2000" FILL_RUNS=3
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from time import perf_counter

import structlog
from peerlink_scheduling.adapters import pool_reads
from peerlink_scheduling.adapters.sessions import SessionRepository
from peerlink_scheduling.adapters.supporters import SupporterRepository
from peerlink_scheduling.bootstrap import session_events, use_cases
from peerlink_scheduling.domain.availability import Availability, Window
from peerlink_scheduling.domain.matching import SessionRequest
from peerlink_scheduling.domain.stays import Admitted, Left
from peerlink_shared.clock import SystemClock
from peerlink_shared.messaging.topics import Topics
from peerlink_shared.storage.mongo import Database, MongoClient, each
from pymongo import AsyncMongoClient

from tests.fakes.outbox import RecordingOutbox
from tests.query_plans import QueryRecorder

BASE = datetime(2031, 1, 6, 9, tzinfo=UTC)
CENTRE = "c0"
OTHER_CENTRES = 50
NEEDED = 2


@dataclass(frozen=True)
class Figures:
    side: str
    median_ms: float
    best_ms: float
    commands: int


async def seed(db: Database, *, pool: int, background: int) -> None:
    """Every supporter eligible at their centre through the adapters' own writes, available all
    week, with a completed stay there and two past bookings: a fill reads each candidate's
    records and bookings. (Past bookings are bulk-inserted in the adapter's shape; a shape that
    drifts fails the read, loudly.)"""
    total = pool + background
    ids = [f"p{i:06d}" for i in range(total)]
    supporters = SupporterRepository(db)
    all_day = (Window(time(0), time(23, 59)),)

    async def supporter(index: int) -> None:
        person, centre = ids[index], CENTRE if index < pool else f"c{1 + index % OTHER_CENTRES}"
        await supporters.set_eligible(
            person_id=person, centre_id=centre, eligible=True, eligible_from=None
        )
        await supporters.set_availability(
            person, Availability(timezone="UTC", weekly=dict.fromkeys(range(7), all_day))
        )
        await supporters.record_admission(person, Admitted(centre, date(2020, 1, 1)))
        await supporters.record_leaving(person, Left(centre, date(2020, 3, 1), completed=True))

    await each(list(range(total)), supporter)
    await db["assignments"].insert_many(
        [
            {
                "_id": f"old{i}-0",
                "assignment_id": str(i),
                "session_id": f"old{i}",
                "centre_id": CENTRE,
                "slot": 0,
                "supporter_id": ids[i % total],
                "resident_id": None,
                "starts_at": BASE - timedelta(days=30, hours=i % 500),
                "duration_minutes": 60,
                "why": "seeded",
                "announced": True,
                "assigned_at": BASE,
            }
            for i in range(2 * total)
        ]
    )
    await db["centres"].insert_one({"_id": CENTRE, "region": "north", "timezone": "UTC"})


async def measure(
    db: Database, recorder: QueryRecorder, *, side: str, at_once: int, runs: int, first: int
) -> Figures:
    sessions, supporters = SessionRepository(db), SupporterRepository(db)
    clock = SystemClock()
    events = session_events(outbox=RecordingOutbox(), topics=Topics(), clock=clock)
    staffing = use_cases(
        sessions=sessions, supporters=supporters, events=events, clock=clock
    ).staffing
    pool_reads.POOL_READS_AT_ONCE = at_once
    times: list[float] = []
    commands = 0
    for run in range(runs):
        day = first + run
        request = SessionRequest(
            f"s-{side.replace(' ', '-')}-{first}-{run}",
            CENTRE,
            BASE + timedelta(days=day),
            timedelta(hours=1),
            NEEDED,
        )
        await sessions.add_session(request, at=BASE)
        recorder.start()
        started = perf_counter()
        await staffing.fill(request, correlation_id="bench")
        times.append((perf_counter() - started) * 1000)
        commands = len(recorder.stop())
        filled = await sessions.assignments_of(request.session_id)
        if len(filled) != NEEDED:
            raise SystemExit(f"{side}: the fill staffed {len(filled)} of {NEEDED}: seed is stale")
    return Figures(side, statistics.median(times), min(times), commands)


async def one_size(url: str, *, pool: int, background: int, runs: int) -> list[Figures]:
    recorder = QueryRecorder()
    client: MongoClient = AsyncMongoClient(
        url, tz_aware=True, event_listeners=[recorder], serverSelectionTimeoutMS=5000
    )
    db = client[f"bench_fill_{uuid.uuid4().hex[:8]}"]
    shipped = pool_reads.POOL_READS_AT_ONCE
    try:
        await SessionRepository(db).ensure_indexes()
        await SupporterRepository(db).ensure_indexes()
        await seed(db, pool=pool, background=background)
        found: list[Figures] = []
        # In turn, twice, so neither side always runs on a warmer server.
        for turn in range(2):
            for side, at_once in (("bounded", shipped), ("one by one", 1)):
                first = 100 * (2 * turn + (side == "one by one"))
                found.append(
                    await measure(db, recorder, side=side, at_once=at_once, runs=runs, first=first)
                )
        return found
    finally:
        pool_reads.POOL_READS_AT_ONCE = shipped
        await client.drop_database(db.name)
        await client.close()


def report(pool: int, background: int, found: list[Figures]) -> None:
    by_side: dict[str, list[Figures]] = {}
    for figures in found:
        by_side.setdefault(figures.side, []).append(figures)
    medians = {side: statistics.median(f.median_ms for f in fs) for side, fs in by_side.items()}
    for side, fs in by_side.items():
        print(
            f"  pool {pool:>4} / others {background:>5}  {side:<10}  "
            f"median {medians[side]:7.0f} ms  best {min(f.best_ms for f in fs):7.0f} ms  "
            f"commands per fill {fs[-1].commands}"
        )
    print(f"  one by one / bounded = {medians['one by one'] / medians['bounded']:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="20:500 100:500 20:5000 100:5000")
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    # The fills' own info lines (each assignment) would bury the figures.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    url = os.environ.get("PEERLINK_MONGO_URL", "mongodb://127.0.0.1:27027/?directConnection=true")
    print(f"fill of one session ({NEEDED} supporters), {options.runs} runs per side, two turns")
    for size in options.sizes.split():
        pool, background = (int(part) for part in size.split(":"))
        found = asyncio.run(one_size(url, pool=pool, background=background, runs=options.runs))
        report(pool, background, found)


if __name__ == "__main__":
    main()
