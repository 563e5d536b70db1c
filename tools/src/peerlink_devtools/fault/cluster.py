"""Replicas of the four services as processes, and the faults done to them and to the
servers: kill -9 and restart, replicas added and removed, a consumer frozen past its
session timeout, a broker or database restart."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from peerlink_devtools.processes import SERVICES, Network


@dataclass(frozen=True)
class Usage:
    rss_kib: int
    open_files: int


def usage_of(pid: int) -> Usage | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        open_files = len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None
    rss = next(
        (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0
    )
    return Usage(rss, open_files)


@dataclass
class Cluster:
    network: Network
    servers_script: Path
    faults: Counter[str] = field(default_factory=Counter)
    _serial: Counter[str] = field(default_factory=Counter)

    def replicas(self, service: str | None = None) -> list[str]:
        return sorted(
            name
            for name, running in self.network.processes.items()
            if service is None or running.name == service
        )

    def _launch(self, service: str) -> str:
        self._serial[service] += 1
        name = f"{service}-{self._serial[service]}"
        self.network.start(service, replica=name)
        return name

    async def add(self, service: str) -> str:
        name = self._launch(service)
        await asyncio.to_thread(self.network.wait_ready, name, timeout=90)
        return name

    async def start(self, replicas: int) -> None:
        """All replicas at once, then waits for each to be ready."""
        names = [self._launch(service) for service in SERVICES for _ in range(replicas)]
        for name in names:
            await asyncio.to_thread(self.network.wait_ready, name, timeout=120)

    def url(self, service: str) -> str:
        """Any live replica of the service."""
        for name in self.replicas(service):
            if self.network.processes[name].process.poll() is None:
                return self.network.processes[name].url
        raise LookupError(f"no {service} replica is running")

    async def kill_and_restart(self, name: str) -> str:
        running = self.network.processes.pop(name)
        running.process.kill()
        running.process.wait()
        self.faults["kill -9"] += 1
        return await self.add(running.name)

    async def remove(self, name: str) -> int | None:
        """SIGTERM: the replica drains and leaves its group (a rebalance)."""
        running = self.network.processes.pop(name)
        running.process.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.to_thread(running.process.wait, 45)
        except subprocess.TimeoutExpired:
            running.process.kill()
            code = running.process.wait()
        self.faults["replica removed (SIGTERM)"] += 1
        return code

    async def freeze(self, name: str, seconds: float) -> None:
        """SIGSTOP past the consumer's session timeout, then SIGCONT: the group moves on
        without it, and it must rejoin without losing or doubling anything."""
        process = self.network.processes[name].process
        process.send_signal(signal.SIGSTOP)
        try:
            await asyncio.sleep(seconds)
        finally:
            process.send_signal(signal.SIGCONT)
        self.faults["frozen past session timeout"] += 1

    async def restart_server(self, which: str) -> None:
        """Stops and starts one server. A start that only ran out of time is tried once
        more, said on stderr with the server's own last log lines and counted in the report:
        the suite is about what PeerLink does across the outage, not how fast Kafka boots
        on a loaded machine. Any other failure (a refused login, a crash) fails the run at
        once, as does a second timeout."""
        for attempt in (1, 2):
            result = await asyncio.to_thread(
                subprocess.run,
                [str(self.servers_script), "restart", which],
                capture_output=True,
                text=True,
                timeout=330,  # the script's own limits: 60 s to stop, 180 s to answer
            )
            if result.returncode == 0:
                self.faults[f"{which} restarted"] += 1
                return
            if attempt == 2 or not only_ran_out_of_time(result.stderr):
                raise RuntimeError(f"restarting {which} failed: {result.stderr[-4000:]}")
            print(
                f"restarting {which} timed out; once more. {result.stderr[-4000:]}", file=sys.stderr
            )
            self.faults[f"{which} restart retried"] += 1

    def usage(self) -> dict[str, Usage]:
        found = {}
        for name, running in self.network.processes.items():
            if (sample := usage_of(running.process.pid)) is not None:
                found[name] = sample
        return found

    def stop(self) -> dict[str, int | None]:
        return self.network.stop_all()


def only_ran_out_of_time(stderr: str) -> bool:
    """Whether a failed start only timed out: `local-servers` said the server did not answer
    in time, and the probe's last error is not a refused login (which a second start from the
    same data would meet again)."""
    return "did not answer within" in stderr and "SASL authentication failed" not in stderr
