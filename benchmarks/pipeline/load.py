"""The open-loop load generator: message k of a step is due at t0 + k / (rate x facts per
graduate), whatever the system does. Sends never wait for each other's acknowledgement, so a
lagging system cannot slow the sender down, and latency is measured from the due time (no
coordinated omission)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from aiokafka import AIOKafkaProducer
from peerlink_shared.messaging.kafka_access import KafkaAccess

from benchmarks.pipeline.population import FACTS_PER_GRADUATE, Graduate

# The first message is due this long after the sender is told to start, so the schedule does
# not begin behind.
LEAD_SECONDS = 0.2


@dataclass
class Sent:
    """When each graduate's last fact was due (loop clock), and how the sender kept up."""

    last_due: dict[str, float] = field(default_factory=dict)
    started: float = 0.0
    ended: float = 0.0
    behind_max: float = 0.0  # how late the sender itself was, at worst
    failed: int = 0


class Sender:
    def __init__(self, *, kafka: KafkaAccess, topic: str) -> None:
        self._topic = topic
        self._producer = AIOKafkaProducer(
            **kafka.client_options(), acks="all", enable_idempotence=True, linger_ms=0
        )

    async def start(self) -> None:
        await self._producer.start()

    async def close(self) -> None:
        await self._producer.stop()

    async def run(
        self, graduates: tuple[Graduate, ...], *, rate: float, sent: Sent, stop: asyncio.Event
    ) -> None:
        """Sends every graduate's facts on schedule into `sent` (read while it runs), until
        done or `stop` is set; returns once all sent are acknowledged."""
        loop = asyncio.get_running_loop()
        interval = 1.0 / (rate * FACTS_PER_GRADUATE)
        sent.started = loop.time() + LEAD_SECONDS
        pending: list[asyncio.Future[object]] = []
        k = 0
        for person in graduates:
            if stop.is_set():
                break
            for key, value in person.messages:
                due = sent.started + k * interval
                k += 1
                if (wait := due - loop.time()) > 0:
                    await asyncio.sleep(wait)
                sent.behind_max = max(sent.behind_max, loop.time() - due)
                # `send` only queues the record (it waits only if the producer's buffer for
                # that partition is full); the acknowledgement is collected below.
                pending.append(await self._producer.send(self._topic, value, key=key))
            sent.last_due[person.person_id] = sent.started + (k - 1) * interval
        sent.ended = loop.time()
        for outcome in await asyncio.gather(*pending, return_exceptions=True):
            if isinstance(outcome, BaseException):
                sent.failed += 1
