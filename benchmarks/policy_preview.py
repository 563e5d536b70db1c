"""The what-if's time: POST /centres/{c}/policy/preview at N persons of one centre.

    make bench-preview                       # 10,000 persons, 7 runs
    make bench-preview PREVIEW_PERSONS=2000 PREVIEW_RUNS=5

Against the real server (PEERLINK_MONGO_URL), in a fresh database dropped afterwards. Seeds
N persons linked to one centre, as the person path stores their facts: a programme completed
there, a sobriety date spread over 0..900 days, a check-in today, volunteering. Then times
previews as the route runs them (PolicyPreviews.preview: the current policy read, the
person's facts, both decisions per person; not the HTTP framing), a slider's worth of
proposals (sober days from 400 up, one step per run), two ways in the same run:

- baseline: every preview reads every person's facts from the store (max age 0);
- held: the facts read once and held (max age 30 s, the default), as a slider's previews
  after the first one use them; the first one (the read) is timed on its own.

Prints p50 and p95 of each over the runs, checks both found the same, and the memory the
held facts take per person (tracemalloc, measured last, apart from the timings).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import time
import tracemalloc
from datetime import date, timedelta

from peerlink_eligibility.adapters.policies import PolicyRepository
from peerlink_eligibility.adapters.repository import EligibilityRepository
from peerlink_eligibility.domain.policy import Policy
from peerlink_eligibility.domain.preview import PolicyPreview
from peerlink_eligibility.service_layer.policy_previews import PolicyPreviews
from peerlink_eligibility.service_layer.preview_facts import PreviewFacts
from peerlink_shared.clock import SystemClock
from peerlink_shared.storage.mongo import Database, Document, make_mongo_client

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


def summary(label: str, times: list[float]) -> str:
    return (
        f"{label}: p50 {percentile(times, 0.5) * 1000:.0f} ms, "
        f"p95 {percentile(times, 0.95) * 1000:.0f} ms, "
        f"min {min(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms, "
        f"mean {statistics.mean(times) * 1000:.0f} ms"
    )


def outcome(found: PolicyPreview) -> tuple[int, int, int, list[str], list[str]]:
    return (
        found.considered,
        found.eligible_now,
        found.eligible_after,
        sorted(found.gaining),
        sorted(found.losing),
    )


async def timed(
    previews: PolicyPreviews, runs: int
) -> tuple[list[float], list[tuple[int, int, int, list[str], list[str]]]]:
    times, found = [], []
    for step in range(runs):
        proposed = Policy(centre_id=CENTRE, min_sober_days=400 + 25 * step)  # a slider
        started = time.perf_counter()
        found.append(outcome(await previews.preview(proposed, expected_version=None)))
        times.append(time.perf_counter() - started)
    return times, found


async def held_bytes(previews: PolicyPreviews, proposed: Policy, persons: int) -> float:
    """What holding the facts costs: measured while `previews` (and so they) are alive."""
    tracemalloc.start()
    try:
        await previews.preview(proposed, expected_version=None)  # reads, caches derived values
        size, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return size / persons


async def run(persons: int, runs: int) -> None:
    url = os.environ.get("PEERLINK_MONGO_URL", "mongodb://127.0.0.1:27027/?directConnection=true")
    client = make_mongo_client(url)
    db = client[f"bench_preview_{secrets.token_hex(3)}"]
    clock = SystemClock()
    repository, policies = EligibilityRepository(db), PolicyRepository(db)

    def previews(max_age: timedelta) -> PolicyPreviews:
        held = PreviewFacts(max_age=max_age)
        return PolicyPreviews(repository=repository, policies=policies, held=held, clock=clock)

    baseline, held = previews(timedelta(0)), previews(timedelta(seconds=30))
    proposed = Policy(centre_id=CENTRE, min_sober_days=500)
    try:
        started = time.perf_counter()
        await seed(db, persons=persons, today=clock.today())
        print(f"seeded {persons} persons at {CENTRE} in {time.perf_counter() - started:.1f}s")
        found = await baseline.preview(proposed, expected_version=None)  # warm-up
        print(
            f"preview: considered {found.considered}, eligible now {found.eligible_now}, "
            f"after {found.eligible_after}, losing {len(found.losing)}, "
            f"gaining {len(found.gaining)}"
        )
        baseline_times, baseline_found = await timed(baseline, runs)
        started = time.perf_counter()
        await held.preview(proposed, expected_version=None)  # the read, then held
        first = time.perf_counter() - started
        held_times, held_found = await timed(held, runs)
        assert held_found == baseline_found, "the held facts found something else"
        print(
            summary(f"baseline (read every time) at {persons} persons, {runs} runs", baseline_times)
        )
        print(f"held: first preview (reads and holds the facts) {first * 1000:.0f} ms")
        print(summary(f"held: the slider's next {runs} previews", held_times))
        per_person = await held_bytes(previews(timedelta(seconds=30)), proposed, persons)
        print(f"held facts: about {per_person:.0f} bytes per person")
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
