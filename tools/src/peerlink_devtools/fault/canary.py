"""The privacy canary: a marker planted in input fields that must not travel. After a run it
must be nowhere but where the clinics put it (their own topics, and the dead-letter copy of a
refused event): not on any other topic, in a dead-letter reason, a log line, a metric or a
message."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import httpx
from peerlink_shared.messaging.kafka_access import KafkaAccess
from peerlink_shared.messaging.topics import Topics, dead_letter_topic

from peerlink_devtools.kafka_watch import read_all


def _in_logs(mark: bytes, log_dir: Path) -> list[str]:
    return [
        f"canary in log {path.name}"
        for path in sorted(log_dir.rglob("*.log"))
        if mark in path.read_bytes()
    ]


def canary_for(seed: int) -> str:
    return f"CANARY-{seed}-Jane-Doe"


async def leaks(
    canary: str,
    *,
    kafka: KafkaAccess,
    topics: Topics,
    clinic_topics: Sequence[str],
    log_dir: Path,
    service_urls: list[str],
) -> list[str]:
    found = []
    mark = canary.encode()
    clinic = {*clinic_topics, *(dead_letter_topic(name) for name in clinic_topics)}
    everything = [name for name, _ in topics.all_with_dead_letters()] + sorted(clinic)
    for record in await read_all(kafka, everything, idle_seconds=1.0):
        if record.topic not in clinic and mark in record.value:
            found.append(f"canary on {record.topic}")
        if any(canary in value for value in record.headers.values()):
            found.append(f"canary in a header on {record.topic}")
    found += await asyncio.to_thread(_in_logs, mark, log_dir)
    async with httpx.AsyncClient(timeout=10.0) as client:
        for url in service_urls:
            response = await client.get(f"{url}/metrics")
            if canary in response.text:
                found.append(f"canary in metrics of {url}")
    return sorted(set(found))
