"""The what-if's time: POST /centres/{c}/policy/preview at N persons of one centre.

    make bench-preview                       # 10,000 persons, 7 runs
    make bench-preview PREVIEW_PERSONS=2000 PREVIEW_RUNS=5

Against the real server (PEERLINK_MONGO_URL), in a fresh database dropped afterwards. Seeds
N persons linked to one centre, as the person path stores their facts: a programme completed
there, a sobriety date spread over 0..900 days, a check-in today, volunteering. Then times
the preview of a stricter policy (500 sober days instead of 365) as the route runs it
(PolicyPreviews.preview: the current policy read, the streaming read of every person's
facts, both decisions per person; not the HTTP framing): one warm-up, then RUNS timed
calls. Prints p50 and p95 over the runs, and what the preview found.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import time
from datetime import date, timedelta

from peerlink_eligibility.adapters.policies import PolicyRepository
from peerlink_eligibility.adapters.repository import EligibilityRepository
from peerlink_eligibility.domain.policy import Policy
from peerlink_eligibility.policy_preview import PolicyPreviews
from peerlink_shared.clock import SystemClock
from peerlink_shared.mongo import Database, Document, make_mongo_client

SEED_CHUNK = 2000
CENTRE = "c-preview"


def person(n: int) -> str:
    return f"p-preview-{n:07d}"


async def seed(db: Database, *, persons: int, today: date) -> None:
    ended_on = today - timedelta(days=1000)
    for start in range(0, persons, SEED_CHUNK):
        documents: list[Document] = []
        for n in range(start, min(start + SEED_CHUNK, persons)):
            sober_since = today - timedelta(days=n % 900)
            facts = [
                {"kind": "link", "centre_id": CENTRE},
                {"kind": "completion", "centre_id": CENTRE, "ended_on": ended_on.isoformat()},
                {"kind": "sobriety", "sober_since": sober_since.isoformat()},
                {"kind": "check_in", "checked_on": today.isoformat(), "level": 1},
                {"kind": "consent", "changed_on": today.isoformat(), "volunteering": True},
            ]
            event_ids = [f"{person(n)}-{k}" for k in range(len(facts))]
            documents.append(
                {"_id": person(n), "facts": facts, "event_ids": event_ids, "version": len(facts)}
            )
        await db["person_facts"].insert_many(documents, ordered=False)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def run(persons: int, runs: int) -> None:
    url = os.environ.get("PEERLINK_MONGO_URL", "mongodb://127.0.0.1:27027/?directConnection=true")
    client = make_mongo_client(url)
    db = client[f"bench_preview_{secrets.token_hex(3)}"]
    clock = SystemClock()
    repository, policies = EligibilityRepository(db), PolicyRepository(db)
    previews = PolicyPreviews(repository=repository, policies=policies, clock=clock)
    proposed = Policy(centre_id=CENTRE, min_sober_days=500)
    try:
        started = time.perf_counter()
        await seed(db, persons=persons, today=clock.today())
        print(f"seeded {persons} persons at {CENTRE} in {time.perf_counter() - started:.1f}s")
        found = await previews.preview(proposed, expected_version=None)  # warm-up
        print(
            f"preview: considered {found.considered}, eligible now {found.eligible_now}, "
            f"after {found.eligible_after}, losing {len(found.losing)}, "
            f"gaining {len(found.gaining)}"
        )
        times: list[float] = []
        for _ in range(runs):
            started = time.perf_counter()
            await previews.preview(proposed, expected_version=None)
            times.append(time.perf_counter() - started)
        print(
            f"policy preview at {persons} persons, {runs} runs: "
            f"p50 {percentile(times, 0.5) * 1000:.0f} ms, "
            f"p95 {percentile(times, 0.95) * 1000:.0f} ms, "
            f"min {min(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms, "
            f"mean {statistics.mean(times) * 1000:.0f} ms"
        )
    finally:
        await client.drop_database(db.name)
        await client.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    asyncio.run(run(args.persons, args.runs))


if __name__ == "__main__":
    main()
