"""Bulk re-evaluation rate: persons per second when a centre's policy changes.

    make bench-reevaluation                 # 10,000 persons
    make bench-reevaluation PERSONS=100000

Against the real FerretDB (PEERLINK_MONGO_URL). Seeds N graduates of one centre, then opens
another centre to network graduates and times the batched bulk job twice: once when every
decision changes (each writes an outbox entry and a decision) and once when none does (reads
only). The baseline, measured in the same run, is the per-person path the person-event
handler takes (`Reevaluator.person`), timed on a sample of the same persons.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from peerlink_eligibility.adapters.policies import PolicyRepository
from peerlink_eligibility.adapters.repository import EligibilityRepository
from peerlink_eligibility.domain.policy import Policy
from peerlink_eligibility.reevaluation import Cause, Reevaluator
from peerlink_shared.clock import SystemClock
from peerlink_shared.mongo import Database, Document, make_mongo_client
from peerlink_shared.outbox import Outbox
from peerlink_shared.topics import Topics


async def seed(db: Database, *, persons: list[str], centre: str) -> None:
    """Writes each person's facts document directly, as eligibility's consumer would."""
    today = datetime.now(UTC).date()
    documents: list[Document] = []
    for person in persons:
        facts = [
            {"kind": "completion", "centre_id": centre, "ended_on": "2024-01-01"},
            {"kind": "sobriety", "sober_since": str(today - timedelta(days=500))},
            {"kind": "check_in", "checked_on": str(today), "level": 1},
            {"kind": "consent", "changed_on": str(today), "volunteering": True},
        ]
        event_ids = [f"{person}-{n}" for n in range(len(facts))]
        documents.append({"_id": person, "facts": facts, "event_ids": event_ids, "version": 4})
        if len(documents) >= 2000:
            await db["person_facts"].insert_many(documents, ordered=False)
            documents = []
    if documents:
        await db["person_facts"].insert_many(documents, ordered=False)


async def run(persons_count: int, sample: int) -> dict[str, float]:
    url = os.environ.get("PEERLINK_MONGO_URL", "mongodb://127.0.0.1:27027/?directConnection=true")
    client = make_mongo_client(url)
    db = client[f"bench_{secrets.token_hex(3)}"]
    clock = SystemClock()
    repository, policies = EligibilityRepository(db), PolicyRepository(db)
    await repository.ensure_indexes()
    await policies.ensure_indexes()
    outbox = Outbox(db, clock=clock)
    await outbox.ensure_indexes()
    reevaluator = Reevaluator(
        repository=repository, policies=policies, outbox=outbox, topics=Topics(), clock=clock
    )
    persons = [f"p-bench-{n:06d}" for n in range(persons_count)]
    try:
        started = time.perf_counter()
        await seed(db, persons=persons, centre="south")
        seeded = time.perf_counter() - started
        print(f"seeded {persons_count} persons ({4 * persons_count} facts) in {seeded:.1f}s")

        policy = Policy(centre_id="north", version=1, accept_network_graduates=True)
        await policies.add_version(policy, at=clock.now())
        await policies.make_current(policy)

        async def quiet(done: int, total: int, changed: int) -> None:
            if done and done % 10000 == 0:
                print(f"  ... {done}/{total}")

        started = time.perf_counter()
        total, changed = await reevaluator.centre(
            policy, cause=Cause("bench-1", "bench-1"), progress=quiet
        )
        all_change = total / (time.perf_counter() - started)
        assert changed == persons_count, changed

        started = time.perf_counter()
        _, unchanged = await reevaluator.centre(
            policy, cause=Cause("bench-2", "bench-2"), progress=quiet
        )
        none_change = total / (time.perf_counter() - started)
        assert unchanged == 0, unchanged

        # Baseline, same run: the per-person path (what a person event triggers), on a sample
        # whose decisions all change: a second centre opens to the network.
        west = replace(policy, centre_id="west", version=1)
        await policies.add_version(west, at=clock.now())
        await policies.make_current(west)
        started = time.perf_counter()
        for person in persons[:sample]:
            await reevaluator.person(person, cause=Cause(f"bench-3-{person}", "bench-3"))
        baseline = sample / (time.perf_counter() - started)
    finally:
        await client.drop_database(db.name)
        await client.close()
    return {
        "persons": persons_count,
        "bulk_all_change_per_s": round(all_change, 1),
        "bulk_none_change_per_s": round(none_change, 1),
        "baseline_per_person_path_per_s": round(baseline, 1),
        "baseline_sample": sample,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=10000)
    parser.add_argument("--sample", type=int, default=1000)
    args = parser.parse_args()
    figures = asyncio.run(run(args.persons, min(args.sample, args.persons)))
    print(f"bulk job, every decision changes : {figures['bulk_all_change_per_s']:>9.1f} persons/s")
    print(f"bulk job, no decision changes    : {figures['bulk_none_change_per_s']:>9.1f} persons/s")
    baseline = figures["baseline_per_person_path_per_s"]
    print(
        f"baseline, per-person path        : {baseline:>9.1f} persons/s"
        f"  (sample of {figures['baseline_sample']}, same run)"
    )
    speedup = figures["bulk_all_change_per_s"] / figures["baseline_per_person_path_per_s"]
    print(f"bulk / baseline                  : {speedup:>9.2f}x")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
