"""`python -m benchmarks.pipeline [--quick]`: the side-by-side benchmark of issue 9.

Runs the four services, then the hand-written relay, each on its own topics and databases on
the local servers (PEERLINK_KAFKA_BOOTSTRAP, PEERLINK_MONGO_URL); prints a table and writes
the figures as JSON and a PNG under `.local/bench-pipeline/`. Stops by itself; Ctrl-C or
SIGTERM stops the processes and drops the run's topics and databases too.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import signal
import sys
import time
from pathlib import Path
from typing import TypedDict

from peerlink_devtools.cleanup import forget
from peerlink_shared.messaging.kafka_access import KafkaAccess

from benchmarks.pipeline.baseline import BaselineSide
from benchmarks.pipeline.figures import plot, write_json
from benchmarks.pipeline.options import Options, parse
from benchmarks.pipeline.population import Layout
from benchmarks.pipeline.report import HEADER, hop_table, row, stages_table, steps_table, verdict
from benchmarks.pipeline.results import StepResult
from benchmarks.pipeline.services import PipelineSide
from benchmarks.pipeline.side import Side
from benchmarks.pipeline.sweep import measure


def say(line: str) -> None:
    print(f"[bench-pipeline {time.strftime('%H:%M:%S')}] {line}", flush=True)


def report(step: StepResult) -> None:
    print(f"  {HEADER}\n  {row(step)}", flush=True)


class OnServers(TypedDict):
    """What every side of one run shares: the database, the run's names, its logs, the layout."""

    mongo: str
    run_id: str
    log_dir: Path
    layout: Layout


def make_side(
    name: str, *, kafka: KafkaAccess, mongo: str, run_id: str, options: Options, log_dir: Path
) -> Side:
    where = OnServers(mongo=mongo, run_id=run_id, log_dir=log_dir, layout=options.layout)
    if name == "pipeline":
        return PipelineSide(kafka=kafka, **where)
    if name == "pipeline-plaintext":
        plaintext = KafkaAccess(
            bootstrap=os.environ["PEERLINK_BENCH_PLAINTEXT_BOOTSTRAP"],
            security_protocol="PLAINTEXT",
        )
        return PipelineSide(kafka=plaintext, name=name, letter="q", **where)
    if name == "pipeline-unsealed":
        unsealed = {"PEERLINK_SEAL_PAYLOADS": "false"}
        return PipelineSide(kafka=kafka, name=name, letter="u", env=unsealed, **where)
    return BaselineSide(kafka=kafka, hops=options.hops, **where)


async def run(options: Options) -> int:
    main_task = asyncio.current_task()
    if main_task is not None:
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    # The producers' and consumers' own chatter (rebalances, retries) is not the result.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    kafka = KafkaAccess.from_env()
    mongo = os.environ.get("PEERLINK_MONGO_URL", "mongodb://127.0.0.1:27027/?directConnection=true")
    run_id = f"bp{secrets.token_hex(3)}"
    run_dir = options.out_dir / f"{time.strftime('%Y%m%d-%H%M%S')}-{run_id}"
    say(
        f"run {run_id}: rates {', '.join(f'{r:g}' for r in options.rates)} graduates/s, "
        f"{options.step_seconds:g} s a step; {options.layout.centres} centres a step with "
        f"{options.layout.sessions_per_centre} sessions of {options.layout.supporters_per_session}"
    )
    print(hop_table(options.hops), flush=True)
    sides = [
        make_side(
            name,
            kafka=kafka,
            mongo=mongo,
            run_id=run_id,
            options=options,
            log_dir=run_dir / "logs" / name,
        )
        for name in options.sides
    ]
    try:
        outcomes = await measure(sides, options=options, say=say, report=report)
    finally:
        say(f"dropping the run's topics and databases ({run_id}*)")
        for side in sides:
            await forget(
                kafka=side.kafka, mongo=mongo, database_prefix=run_id, topic_prefix=f"{run_id}-"
            )
    print()
    print(hop_table(options.hops))
    print(stages_table(outcomes))
    print(steps_table(outcomes))
    print(verdict(outcomes, slo=options.limits.slo, slo_booked=options.limits.slo_booked))
    write_json(run_dir / "results.json", run_id=run_id, options=options, outcomes=outcomes)
    plot(run_dir / "latency.png", outcomes=outcomes, slo=options.limits.slo)
    print(f"figures: {run_dir / 'results.json'}\nplot:    {run_dir / 'latency.png'}")
    print(f"logs:    {run_dir / 'logs'}")
    return 0


def main() -> None:
    options = parse()
    try:
        sys.exit(asyncio.run(run(options)))
    except (KeyboardInterrupt, asyncio.CancelledError):
        # Already cleaned up on the way out (processes stopped, topics and databases dropped).
        say("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
