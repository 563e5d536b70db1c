"""Outbox: a handler records what to publish in its own database; a relay publishes it.

FerretDB (and a MongoDB without transactions) cannot commit state and an outgoing event
together, so handlers write the outbox entry first, under a deterministic event id, then
their state. A crash anywhere before the incoming event is committed makes Kafka redeliver
it, the handler writes the same entry again (a no-op), and nothing is lost. The relay may
publish an entry twice (crash between send and mark); consumers drop copies by event id.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from faststream.kafka import KafkaBroker

from peerlink_shared.clock import Clock
from peerlink_shared.envelope import Envelope
from peerlink_shared.kafka import publish_envelope
from peerlink_shared.metrics import EVENTS_PUBLISHED, OUTBOX_PENDING
from peerlink_shared.mongo import Database, insert_once

log = structlog.get_logger("peerlink.outbox")


class Outbox:
    def __init__(self, db: Database, *, clock: Clock) -> None:
        self._entries = db["outbox"]
        self._clock = clock
        self.wake = asyncio.Event()

    async def ensure_indexes(self) -> None:
        await self._entries.create_index([("published", 1), ("created_at", 1)])

    async def add(self, *, envelope: Envelope, topic: str) -> None:
        """Records an event to publish; recording the same event id again changes nothing."""
        await insert_once(
            self._entries,
            {
                "_id": envelope.id,
                "topic": topic,
                "body": envelope.model_dump_json(),
                "created_at": self._clock.now(),
                "published": False,
            },
        )
        self.wake.set()

    async def pending(self, *, limit: int) -> list[tuple[str, str, Envelope]]:
        cursor = self._entries.find({"published": False}).sort([("created_at", 1), ("_id", 1)])
        entries = await cursor.limit(limit).to_list()
        return [
            (entry["_id"], entry["topic"], Envelope.model_validate_json(entry["body"]))
            for entry in entries
        ]

    async def mark_published(self, event_id: str) -> None:
        await self._entries.update_one(
            {"_id": event_id}, {"$set": {"published": True, "published_at": self._clock.now()}}
        )

    async def count_pending(self) -> int:
        return await self._entries.count_documents({"published": False})


class OutboxRelay:
    """Publishes outbox entries in the order they were recorded, until stopped."""

    def __init__(
        self,
        *,
        outbox: Outbox,
        broker: KafkaBroker,
        publish_timeout: float,
        poll_seconds: float = 1.0,
    ) -> None:
        self._outbox = outbox
        self._broker = broker
        self._publish_timeout = publish_timeout
        self._poll_seconds = poll_seconds
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def publish_pending(self) -> int:
        """Publishes what is pending now; returns how many it published."""
        published = 0
        while batch := await self._outbox.pending(limit=100):
            for event_id, topic, envelope in batch:
                await publish_envelope(
                    self._broker, envelope=envelope, topic=topic, timeout=self._publish_timeout
                )
                await self._outbox.mark_published(event_id)
                EVENTS_PUBLISHED.labels(topic=topic).inc()
                published += 1
        return published

    async def _run(self) -> None:
        backoff = self._poll_seconds
        while True:
            self._outbox.wake.clear()
            try:
                await self.publish_pending()
                OUTBOX_PENDING.set(0)
                backoff = self._poll_seconds
            except asyncio.CancelledError:
                raise
            except Exception as error:
                # Kafka or the database is away: keep the entries and try again later.
                log.warning("outbox_publish_failed", error=type(error).__name__)
                backoff = min(backoff * 2, 10.0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._outbox.wake.wait(), timeout=backoff)
