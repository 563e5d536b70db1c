"""The baseline side: the hand-written relay, one process per hop (`hop.py`), on its own
topics and databases. Its graduates need no registration: the relay trusts its input."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from peerlink_ops.topics_admin import provision, provision_clinic
from peerlink_shared.messaging.kafka_access import KafkaAccess
from peerlink_shared.messaging.topics import Topics

from benchmarks.pipeline.hops import CLINIC, HopSpec
from benchmarks.pipeline.observe import Events
from benchmarks.pipeline.opcount import counting_environment
from benchmarks.pipeline.population import Layout, Population, graduate

ROOT = Path(__file__).resolve().parents[2]


class BaselineSide:
    name = "baseline"
    events: Events | None = None  # the hand-written relay seals nothing

    def __init__(
        self,
        *,
        kafka: KafkaAccess,
        mongo: str,
        run_id: str,
        log_dir: Path,
        layout: Layout,
        hops: tuple[HopSpec, ...],
    ) -> None:
        self.topics = Topics(prefix=f"{run_id}-b-")
        self.groups = {self._group(hop): [f"{self.topics.prefix}{hop.source}"] for hop in hops}
        self.database_prefix = f"{run_id}_b_"
        self.ops_dir = log_dir / "ops"
        self.kafka = self._kafka = kafka
        self._mongo = mongo
        self._log_dir = log_dir
        self._layout = layout
        self._hops = hops
        self._processes: list[tuple[subprocess.Popen[bytes], Path]] = []

    def _group(self, hop: HopSpec) -> str:
        return f"{self.topics.prefix}relay-hop{hop.number}"

    async def start(self) -> None:
        await provision(self._kafka, self.topics)
        await provision_clinic(self._kafka, self.topics, CLINIC)
        await asyncio.to_thread(self._start_and_wait, timeout=60.0)

    def _command(self, hop: HopSpec) -> list[str]:
        return [
            sys.executable,
            "-m",
            "benchmarks.pipeline.hop",
            "--spec",
            json.dumps(asdict(hop)),
            "--kafka",
            self._kafka.bootstrap,
            "--mongo",
            self._mongo,
            "--database",
            f"{self.database_prefix}hop{hop.number}",
            "--topic-prefix",
            self.topics.prefix,
            "--group",
            self._group(hop),
            "--places",
            str(self._layout.places_per_centre),
        ]

    def _start_and_wait(self, *, timeout: float) -> None:
        """Every hop at once, then until each says it has its partitions."""
        self._log_dir.mkdir(parents=True, exist_ok=True)
        environment = {**os.environ, **counting_environment(self.ops_dir)}
        for hop in self._hops:
            log_path = self._log_dir / f"hop{hop.number}.log"
            with log_path.open("ab") as log:
                process = subprocess.Popen(
                    self._command(hop),
                    cwd=ROOT,
                    env=environment,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                )
            self._processes.append((process, log_path))
        deadline = time.monotonic() + timeout
        for process, log_path in self._processes:
            while "ready" not in log_path.read_text():
                if process.poll() is not None:
                    raise RuntimeError(f"{log_path.stem} exited: {log_path.read_text()[-2000:]}")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{log_path.stem} not ready in {timeout}s; see {log_path}")
                time.sleep(0.2)

    def dead(self) -> list[str]:
        """Hops that exited (a relay that crashed would look like a stalled one)."""
        return [log.stem for process, log in self._processes if process.poll() is not None]

    async def stop(self) -> None:
        await asyncio.to_thread(self._stop)

    def _stop(self) -> None:
        for process, _ in self._processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process, _ in self._processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._processes.clear()

    async def populate(self, step: int, graduates: int) -> Population:
        today = datetime.now(UTC).date()
        centres = tuple(f"{self.topics.prefix}c{step}-{n}" for n in range(self._layout.centres))
        people = tuple(
            graduate(f"{self.topics.prefix}g{step}-{n}", centres[n % len(centres)], today)
            for n in range(graduates)
        )
        return Population(centres, people, self._layout.places_per_centre * len(centres))
