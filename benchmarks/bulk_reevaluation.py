"""Bulk re-evaluation rate: persons per second re-decided after a policy change.

    make bench-reevaluation                          # 100,000 persons across 200 centres
    make bench-reevaluation PERSONS=10000 CENTRES=50

Against the real server (PEERLINK_MONGO_URL), in a fresh database. Seeds N persons spread
over C centres, each with the facts that qualify them (a programme completed at their
centre, 500 days sober, a low craving check-in today, volunteering, the choice to be
offered across the network) and the decision at their centre that the person path leaves.
Then a centre new to the network opens to network graduates, which concerns every one of
them (they all share with the network), and the bulk job runs twice: when
every decision changes (each person gets a decision there, announced in the outbox) and
when none does (the same policy again: reads only).

The raw baseline, in the same run and the same collections: plain PyMongo with no domain
logic doing the I/O the job does when every decision changes. It streams every
person_facts document in the job's batches and inserts as many decision and outbox
documents, of the same shape and size, one batch's writes in flight while the next batch
is read, as the job does. It runs before the job and after it; the faster run counts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta

from peerlink_eligibility.adapters.policies import PolicyRepository
from peerlink_eligibility.adapters.repository import EligibilityRepository
from peerlink_eligibility.domain.decision import decide
from peerlink_eligibility.domain.facts import (
    Completion,
    ConsentChange,
    CravingCheckIn,
    SharingChange,
    SobrietyDate,
    fold_facts,
)
from peerlink_eligibility.domain.policy import Policy, default_policy
from peerlink_eligibility.service_layer.announcements import Announcements, Trigger
from peerlink_eligibility.service_layer.centre_reevaluation import BATCH, CentreReevaluation
from peerlink_eligibility.service_layer.ports import DecisionWrite
from peerlink_eligibility.service_layer.reevaluation import Reevaluator
from peerlink_shared.clock import SystemClock
from peerlink_shared.messaging.outbox import Outbox
from peerlink_shared.messaging.publishing import Publisher, source_of
from peerlink_shared.messaging.topics import Topics
from peerlink_shared.storage.mongo import Database, Document, make_mongo_client

SEED_CHUNK = 2000
NEW_CENTRE = "c-new"  # joins the network: nobody completed a programme there
Progress = Callable[[int, int, int], Awaitable[None]]


def centre(n: int) -> str:
    return f"c-{n:03d}"


def person(n: int) -> str:
    return f"p-bench-{n:07d}"


async def seed(
    db: Database, repository: EligibilityRepository, *, persons: int, centres: int, today: date
) -> None:
    """Facts as the person path stores them, and the decision at each person's own centre."""
    sober_since, ended_on = today - timedelta(days=500), date(2024, 1, 1)
    for start in range(0, persons, SEED_CHUNK):
        documents: list[Document] = []
        writes: list[DecisionWrite] = []
        for n in range(start, min(start + SEED_CHUNK, persons)):
            home = centre(n % centres)
            facts = [
                {"kind": "completion", "centre_id": home, "ended_on": ended_on.isoformat()},
                {"kind": "sobriety", "sober_since": sober_since.isoformat()},
                {"kind": "check_in", "checked_on": today.isoformat(), "level": 1},
                {"kind": "consent", "changed_on": today.isoformat(), "volunteering": True},
                {"kind": "sharing", "changed_on": today.isoformat(), "sharing": True},
            ]
            event_ids = [f"{person(n)}-{k}" for k in range(len(facts))]
            documents.append(
                {"_id": person(n), "facts": facts, "event_ids": event_ids, "version": len(facts)}
            )
            folded = fold_facts(
                person(n),
                [
                    Completion(home, ended_on),
                    SobrietyDate(sober_since),
                    CravingCheckIn(today, 1),
                    ConsentChange(today, volunteering=True),
                    SharingChange(today, sharing=True),
                ],
            )
            decided = decide(folded, default_policy(home), today)
            writes.append(DecisionWrite(decided, len(facts), None))
        await db["person_facts"].insert_many(documents, ordered=False)
        await repository.save_decisions(writes, at=datetime.now(UTC))


async def raw_read_write(
    db: Database, *, decision: Document, body: str, subject: str, centre_id: str
) -> int:
    """The job's I/O when every decision changes, without the job: returns persons read."""
    decisions, outbox = db["decisions"], db["outbox"]

    async def write(batch: list[Document]) -> None:
        now = datetime.now(UTC)
        await outbox.insert_many(
            [
                {
                    "_id": str(uuid.uuid4()),
                    "topic": "bench",
                    "body": body.replace(subject, doc["_id"]),
                    "created_at": now,
                    "seq": time.time_ns(),
                }
                for doc in batch
            ],
            ordered=False,
        )
        await decisions.insert_many(
            [
                {
                    **decision,
                    "_id": f"{doc['_id']}:{centre_id}",
                    "person_id": doc["_id"],
                    "centre_id": centre_id,
                }
                for doc in batch
            ],
            ordered=False,
        )

    read = 0
    batch: list[Document] = []
    writing: asyncio.Task[None] | None = None
    async for doc in db["person_facts"].find({}, {"event_ids": 0}).batch_size(BATCH):
        batch.append(doc)
        if len(batch) == BATCH:
            if writing is not None:
                await writing
            writing, batch, read = asyncio.create_task(write(batch)), [], read + len(batch)
    if writing is not None:
        await writing
    if batch:
        await write(batch)
    return read + len(batch)


def printer(label: str, persons: int) -> Progress:
    """Prints every tenth of the persons (the job's own total is the database's estimate)."""
    marks: set[int] = set()

    async def progress(done: int, total: int, changed: int) -> None:
        tenth = done * 10 // persons
        if done and tenth not in marks:
            marks.add(tenth)
            print(f"  {label}: {done}/{persons} persons, {changed} changed", flush=True)

    return progress


async def run(persons: int, centres: int) -> dict[str, float]:
    url = os.environ.get("PEERLINK_MONGO_URL", "mongodb://127.0.0.1:27027/?directConnection=true")
    client = make_mongo_client(url)
    db = client[f"bench_{secrets.token_hex(3)}"]
    clock = SystemClock()
    repository, policies = EligibilityRepository(db), PolicyRepository(db)
    outbox = Outbox(db, clock=clock)
    for ensure in (repository.ensure_indexes, policies.ensure_indexes, outbox.ensure_indexes):
        await ensure()
    changes = Publisher(
        sink=outbox,
        source=source_of("eligibility"),
        topic=Topics().eligibility_changes,
        clock=clock,
    )
    announcements = Announcements(publisher=changes, clock=clock)
    job = CentreReevaluation(
        repository=repository,
        announcements=announcements,
        reevaluator=Reevaluator(
            repository=repository, policies=policies, announcements=announcements, clock=clock
        ),
        clock=clock,
    )
    try:
        started = time.perf_counter()
        await seed(db, repository, persons=persons, centres=centres, today=clock.today())
        print(f"seeded {persons} persons across {centres} centres in {lap(started):.1f}s")

        # What one changed person costs the job: a decision document and an outbox entry.
        policy = Policy(centre_id=NEW_CENTRE, version=1, accept_network_graduates=True)
        await policies.add_version(policy, at=clock.now())
        await policies.make_current(policy)
        sample = await db["decisions"].find_one({"person_id": person(0)}, {"_id": 0})
        assert sample is not None
        body = _sample_body(policy, person(0))

        async def raw(run: int) -> float:
            started = time.perf_counter()
            read = await raw_read_write(
                db, decision=sample, body=body, subject=person(0), centre_id=f"c-raw-{run}"
            )
            print(f"raw read/write ({run}): {read} persons in {lap(started):.1f}s", flush=True)
            assert read == persons, read
            return read / lap(started)

        async def rerun(run: int, what: str) -> tuple[int, int, float]:
            """The job over every person: (decided, changed, persons a second)."""
            started = time.perf_counter()
            total, changed = await job.run(
                policy,
                trigger=Trigger(f"bench-{run}", f"bench-{run}"),
                progress=printer(what, persons),
            )
            return total, changed, total / lap(started)

        raw_before = await raw(1)
        total, changed, all_change = await rerun(1, "every decision changes")
        assert (total, changed) == (persons, persons), (total, changed)
        outbox.fresh.clear()  # no relay here: what it would have published is let go

        total, changed, none_change = await rerun(2, "no decision changes")
        assert (total, changed) == (persons, 0), (total, changed)
        raw_after = await raw(2)
    finally:
        await client.drop_database(db.name)
        await client.close()
    return {
        "persons": persons,
        "centres": centres,
        "bulk_all_change_per_s": round(all_change, 1),
        "bulk_none_change_per_s": round(none_change, 1),
        "raw_read_write_per_s": round(max(raw_before, raw_after), 1),
        "raw_before_per_s": round(raw_before, 1),
        "raw_after_per_s": round(raw_after, 1),
        "ratio_all_change_to_raw": round(all_change / max(raw_before, raw_after), 2),
    }


def _sample_body(policy: Policy, subject: str) -> str:
    """An EligibilityChanged envelope as the job records it, for the raw side to copy."""
    event = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/peerlink/eligibility",
        "type": "peerlink.eligibility.changed.v1",
        "subject": subject,
        "time": datetime.now(UTC).isoformat(),
        "datacontenttype": "application/json",
        "correlationid": "bench-1",
        "causationid": "bench-1",
        "data": {
            "person_id": subject,
            "centre_id": policy.centre_id,
            "eligible": True,
            "reasons": [],
            "eligible_from": None,
            "decided_on": datetime.now(UTC).date().isoformat(),
        },
    }
    return json.dumps(event, separators=(",", ":"))


def lap(started: float) -> float:
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--centres", type=int, default=200)
    args = parser.parse_args()
    started = time.perf_counter()
    figures = asyncio.run(run(args.persons, args.centres))
    print(f"bulk job, every decision changes : {figures['bulk_all_change_per_s']:>9.1f} persons/s")
    print(f"bulk job, no decision changes    : {figures['bulk_none_change_per_s']:>9.1f} persons/s")
    print(
        f"raw read/write, same run         : {figures['raw_read_write_per_s']:>9.1f} persons/s"
        f"  (before the job {figures['raw_before_per_s']}, after {figures['raw_after_per_s']})"
    )
    print(f"bulk (every change) / raw        : {figures['ratio_all_change_to_raw']:>9.2f}")
    print(f"whole run                        : {lap(started):>9.1f} s")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
