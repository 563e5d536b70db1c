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
import time

import structlog
from aiokafka.errors import MessageSizeTooLargeError
from faststream.kafka import KafkaBroker
from pydantic import ValidationError

from peerlink_shared.background import BackgroundLoop
from peerlink_shared.clock import Clock
from peerlink_shared.envelope import Envelope
from peerlink_shared.kafka import publish_envelope
from peerlink_shared.metrics import EVENTS_PUBLISHED, OUTBOX_PENDING
from peerlink_shared.mongo import Database, Document, insert_once

log = structlog.get_logger("peerlink.outbox")


class Outbox:
    """Entries wait here until published, then are deleted: the collection stays small, so
    reading it stays cheap even on FerretDB, which scans for anything but an `_id`."""

    def __init__(self, db: Database, *, clock: Clock) -> None:
        self._entries = db["outbox"]
        self._parked = db["outbox_parked"]
        self._clock = clock
        self.wake = asyncio.Event()

    async def ensure_indexes(self) -> None:
        await self._entries.create_index([("seq", 1)])

    async def add(self, *, envelope: Envelope, topic: str) -> None:
        """Records an event to publish; the same event id again, while pending, changes
        nothing (once published, a re-recorded event is published again: consumers drop
        copies by event id)."""
        await insert_once(
            self._entries,
            {
                "_id": envelope.id,
                "topic": topic,
                "body": envelope.model_dump_json(),
                "created_at": self._clock.now(),
                # Nanoseconds: orders entries recorded within one millisecond, which BSON
                # dates cannot.
                "seq": time.time_ns(),
            },
        )
        self.wake.set()

    async def pending(self, *, limit: int) -> list[Document]:
        return await self._entries.find({}).sort([("seq", 1)]).limit(limit).to_list()

    async def done(self, event_id: str) -> None:
        await self._entries.delete_one({"_id": event_id})

    async def park(self, entry: Document, *, reason: str) -> None:
        """Sets aside an entry that can never be published, so it stops blocking the rest."""
        await insert_once(self._parked, {**entry, "reason": reason, "parked_at": self._clock.now()})
        await self._entries.delete_one({"_id": entry["_id"]})

    async def count_pending(self) -> int:
        return await self._entries.count_documents({})


class OutboxRelay(BackgroundLoop):
    """Publishes outbox entries in the order they were recorded, until stopped."""

    name = "outbox-relay"

    def __init__(
        self,
        *,
        outbox: Outbox,
        broker: KafkaBroker,
        publish_timeout: float,
        poll_seconds: float = 1.0,
    ) -> None:
        super().__init__()
        self._outbox = outbox
        self._broker = broker
        self._publish_timeout = publish_timeout
        self._poll_seconds = poll_seconds

    async def publish_pending(self) -> int:
        """Publishes what is pending now; returns how many it published."""
        published = 0
        while batch := await self._outbox.pending(limit=100):
            for entry in batch:
                try:
                    envelope = Envelope.model_validate_json(entry["body"])
                    await publish_envelope(
                        self._broker,
                        envelope=envelope,
                        topic=entry["topic"],
                        timeout=self._publish_timeout,
                    )
                except (ValidationError, MessageSizeTooLargeError) as error:
                    log.error(
                        "outbox_entry_parked", event_id=entry["_id"], error=type(error).__name__
                    )
                    await self._outbox.park(entry, reason=type(error).__name__)
                    continue
                await self._outbox.done(entry["_id"])
                EVENTS_PUBLISHED.labels(topic=entry["topic"]).inc()
                published += 1
        return published

    async def _run(self) -> None:
        backoff = self._poll_seconds
        while True:
            self._outbox.wake.clear()
            try:
                await self.publish_pending()
                backoff = self._poll_seconds
            except asyncio.CancelledError:
                raise
            except Exception as error:
                # Kafka or the database is away: keep the entries and try again later.
                log.warning("outbox_publish_failed", error=type(error).__name__)
                backoff = min(backoff * 2, 10.0)
            with contextlib.suppress(Exception):
                OUTBOX_PENDING.set(await self._outbox.count_pending())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._outbox.wake.wait(), timeout=backoff)
