"""The fault suite: `python -m peerlink_devtools.fault --short` (CI) or `--runs 20` (long).

Each run starts the four services as two replicas each on the running local servers, feeds
a seeded workload through the clinic door while it kills, adds, removes and freezes
replicas, restarts Kafka and FerretDB and replays the clinic topic, then compares what the
system holds with what the inputs alone say. Prints and writes a summary; exits 1 if any
run lost, doubled or mis-decided anything.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import signal
import sys
import time
from pathlib import Path

from peerlink_shared.messaging.kafka_access import KafkaAccess

from peerlink_devtools.cleanup import forget
from peerlink_devtools.fault.suite import LONG, SHORT, RunReport, run_once

ROOT = Path(__file__).resolve().parents[4]


def say(line: str) -> None:
    print(f"[fault {time.strftime('%H:%M:%S')}] {line}", flush=True)


def summary(report: RunReport) -> dict[str, object]:
    verdict = report.verdict
    return {
        "seed": report.seed,
        "passed": report.passed,
        "seconds": round(report.seconds, 1),
        "events_sent": report.events_sent,
        "duplicates_sent": report.duplicates_sent,
        "replayed": report.replayed,
        "faults": dict(report.faults),
        "lost": verdict.lost,
        "duplicated": verdict.duplicated,
        "wrong": verdict.wrong,
        "dead_lettered": verdict.dead_lettered,
        "growth": report.growth(),
        "usage": {
            name: {
                "rss_kib": [start.rss_kib, report.usage_end[name].rss_kib],
                "open_files": [start.open_files, report.usage_end[name].open_files],
            }
            for name, start in report.usage_start.items()
            if name in report.usage_end
        },
    }


async def main_async(args: argparse.Namespace) -> int:
    # The suite's own producer retries through broker restarts on purpose: not news.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    # Stopped from outside (CI's time limit, Ctrl-C): unwind, so the replicas are stopped
    # and the run's topics and databases dropped.
    main_task = asyncio.current_task()
    if main_task is not None:
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    kafka = KafkaAccess.from_env()
    mongo = os.environ.get("PEERLINK_MONGO_URL", "mongodb://127.0.0.1:27027/?directConnection=true")
    config = SHORT if args.short else LONG
    first = args.seed if args.seed is not None else random.randrange(1_000, 99_999)
    runs = []
    began = time.monotonic()
    for n in range(args.runs):
        seed = first + n
        say(f"run {n + 1}/{args.runs}, seed {seed}")
        try:
            report = await run_once(
                config,
                seed=seed,
                kafka=kafka,
                mongo=mongo,
                servers_script=ROOT / "infra" / "local-servers",
                log_dir=args.log_dir,
                say=say,
            )
        finally:
            await forget(
                kafka=kafka, mongo=mongo, database_prefix=f"fault_{seed}_", topic_prefix=f"f{seed}-"
            )
        runs.append(summary(report))
        verdict = report.verdict
        say(
            f"run {n + 1}: {'PASSED' if report.passed else 'FAILED'} in {report.seconds:.0f} s — "
            f"{report.events_sent} events ({report.duplicates_sent} duplicates) "
            f"+ {report.replayed} replayed, "
            f"faults {sum(report.faults.values())}, lost {len(verdict.lost)}, "
            f"duplicated {len(verdict.duplicated)}, wrong {len(verdict.wrong)}, "
            f"dead-lettered {verdict.dead_lettered}/{len(verdict.lost) + verdict.dead_lettered}"
        )
        if not report.passed:
            for line in [*verdict.lost, *verdict.duplicated, *verdict.wrong, *report.growth()][:30]:
                say(f"  {line}")
            break
    total = {
        "suite": "short" if args.short else "long",
        "runs": len(runs),
        "passed": sum(1 for run in runs if run["passed"]),
        "seconds": round(time.monotonic() - began, 1),
        "details": runs,
    }
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(total, indent=2))
    passed = f"{total['passed']}/{total['runs']} runs passed in {total['seconds']} s"
    say(f"{passed}; report: {args.report}")
    return 0 if total["passed"] == args.runs else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="the CI size (one run by default)")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=None, help="first run's seed (default random)")
    parser.add_argument("--report", type=Path, default=ROOT / ".local" / "fault-report.json")
    parser.add_argument("--log-dir", type=Path, default=ROOT / ".local" / "fault-logs")
    args = parser.parse_args()
    sys.exit(asyncio.run(main_async(args)))


if __name__ == "__main__":
    main()
