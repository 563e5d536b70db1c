"""Outbox: a handler records what to publish in its own database; a relay publishes it.

FerretDB (and a MongoDB without transactions) cannot commit state and an outgoing event
together, so handlers write the outbox entry first, under a deterministic event id, then
their state. A crash anywhere before the incoming event is committed makes Kafka redeliver
it, the handler writes the same entry again (a no-op), and nothing is lost. The relay may
publish an entry twice (crash between send and delete); consumers drop copies by event id.

The relay publishes what this process recorded straight from memory, in the order it was
recorded, many sends in flight at once, and deletes the published entries with one write:
no read per event. The database copy is what survives a crash: a sweep, at start, every few
seconds and after any failure, publishes entries that are still there after a grace period
(a crashed process's, or ones a failed send left behind).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import timedelta

import structlog
from aiokafka.errors import MessageSizeTooLargeError
from faststream.kafka import KafkaBroker
from opentelemetry.trace import Tracer
from pydantic import ValidationError
from pymongo import DeleteOne

from peerlink_shared.background import BackgroundLoop
from peerlink_shared.clock import Clock
from peerlink_shared.messaging.envelope import Envelope
from peerlink_shared.messaging.kafka import Outgoing, send_all
from peerlink_shared.messaging.sealed_events import EventSeal
from peerlink_shared.observability.metrics import EVENTS_PUBLISHED, OUTBOX_PENDING
from peerlink_shared.observability.trace_spans import finish_publishing, start_publishing
from peerlink_shared.storage.mongo import Database, Document, insert_all_once, insert_once

log = structlog.get_logger("peerlink.outbox")

# Entries younger than this are left to the process that recorded them by the sweep.
SWEEP_GRACE = timedelta(seconds=10)
MAX_SENDS_IN_FLIGHT = 500


@dataclass(frozen=True)
class Entry:
    """One event waiting to be published, as stored."""

    event_id: str
    topic: str
    body: str

    def outgoing(self) -> Outgoing:
        envelope = Envelope.model_validate_json(self.body)
        return Outgoing.of(envelope, topic=self.topic, body=self.body.encode())


class Outbox:
    """Entries wait here until published, then are deleted: the collection stays small."""

    def __init__(self, db: Database, *, clock: Clock, seal: EventSeal | None = None) -> None:
        self._entries = db["outbox"]
        # Health facts are sealed before they are stored: the outbox holds them sealed too.
        self._seal = seal
        self._parked = db["outbox_parked"]
        self._clock = clock
        # Recorded by this process, not yet published: (entry, what to send).
        self.fresh: deque[tuple[Entry, Outgoing]] = deque()
        self.wake = asyncio.Event()

    async def ensure_indexes(self) -> None:
        await self._entries.create_index([("seq", 1)])

    async def add(self, *, envelope: Envelope, topic: str) -> None:
        """Records an event to publish; the same event id again, while pending, changes
        nothing (once published, a re-recorded event is published again: consumers drop
        copies by event id). Raises PersonKeyDestroyed for an erased person's event."""
        if self._seal is not None:
            envelope = await self._seal.seal(envelope)
        await self._store([envelope], topic=topic)

    async def add_all(self, *, envelopes: Sequence[Envelope], topic: str) -> None:
        """`add` for many events, with one write. Erased persons' events are left out, so
        that one erased person does not hold up a re-evaluation of everyone else."""
        if self._seal is not None:
            envelopes = await self._seal.seal_all(envelopes)
        await self._store(envelopes, topic=topic)

    async def _store(self, envelopes: Sequence[Envelope], *, topic: str) -> None:
        if not envelopes:
            return
        now, first = self._clock.now(), time.time_ns()
        bodies = [envelope.model_dump_json() for envelope in envelopes]
        documents = [
            {
                "_id": envelope.id,
                "topic": topic,
                "body": body,
                "created_at": now,
                # Nanoseconds: orders entries recorded within one millisecond, which BSON
                # dates cannot.
                "seq": first + n,
            }
            for n, (envelope, body) in enumerate(zip(envelopes, bodies, strict=True))
        ]
        if len(documents) == 1:
            await insert_once(self._entries, documents[0])
        else:
            await insert_all_once(self._entries, documents)
        # Even when an entry was already stored (a handler run again after a crash): it may
        # be a dead process's, which nobody else would publish before the next sweep.
        for envelope, body in zip(envelopes, bodies, strict=True):
            entry = Entry(event_id=envelope.id, topic=topic, body=body)
            self.fresh.append((entry, Outgoing.of(envelope, topic=topic, body=body.encode())))
        self.wake.set()

    async def stored(self, *, older_than: timedelta | None) -> AsyncIterator[Entry]:
        """Stored entries in the order they were recorded (all, or those past an age), read
        in one pass: FerretDB sorts in memory, so reading again per batch would read the
        whole collection again each time."""
        query: Document = {}
        if older_than is not None:
            query = {"created_at": {"$lt": self._clock.now() - older_than}}
        cursor = self._entries.find(query, {"topic": 1, "body": 1}).sort([("seq", 1)])
        async for doc in cursor.batch_size(MAX_SENDS_IN_FLIGHT):
            yield Entry(event_id=str(doc["_id"]), topic=str(doc["topic"]), body=str(doc["body"]))

    async def done(self, event_ids: Sequence[str]) -> None:
        """Deletes published entries: one command, each statement an `_id` lookup (a `$in`
        filter would make FerretDB read the whole collection)."""
        if event_ids:
            await self._entries.bulk_write(
                [DeleteOne({"_id": event_id}) for event_id in event_ids], ordered=False
            )

    async def park(self, entry: Entry, *, reason: str) -> None:
        """Sets aside an entry that can never be published, so it stops blocking the rest."""
        stored = await self._entries.find_one({"_id": entry.event_id})
        if stored is not None:
            document = {**stored, "reason": reason, "parked_at": self._clock.now()}
            await insert_once(self._parked, document)
        await self._entries.delete_one({"_id": entry.event_id})

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
        sweep_seconds: float = 5.0,
        tracer: Tracer | None = None,
    ) -> None:
        """`tracer`: a span per event sent, in the trace the event carries (None: off)."""
        super().__init__()
        self._outbox = outbox
        self._broker = broker
        self._publish_timeout = publish_timeout
        self._poll_seconds = poll_seconds
        self._sweep_seconds = sweep_seconds
        self._tracer = tracer

    async def publish_fresh(self) -> int:
        """Publishes what this process recorded, oldest first; returns how many."""
        published = 0
        while self._outbox.fresh:
            count = min(len(self._outbox.fresh), MAX_SENDS_IN_FLIGHT)
            batch = [self._outbox.fresh.popleft() for _ in range(count)]
            try:
                published += await self._publish(batch)
            except BaseException:
                # Left in the database: the sweep after this failure publishes them, in order.
                self._outbox.fresh.clear()
                raise
        return published

    async def publish_pending(self, *, older_than: timedelta | None = None) -> int:
        """Publishes what the database holds (all, or what is past an age); returns how many."""
        # This process's own unpublished entries are on their way already.
        mine = {entry.event_id for entry, _ in self._outbox.fresh}
        published = 0
        chunk: list[tuple[Entry, Outgoing]] = []
        async for entry in self._outbox.stored(older_than=older_than):
            if entry.event_id in mine:
                continue
            try:
                chunk.append((entry, entry.outgoing()))
            except ValidationError:
                await self._park(entry, reason="ValidationError")
            if len(chunk) >= MAX_SENDS_IN_FLIGHT:
                published += await self._publish(chunk)
                chunk = []
        if chunk:
            published += await self._publish(chunk)
        return published

    async def _publish(self, ready: list[tuple[Entry, Outgoing]]) -> int:
        sending = [outgoing for _, outgoing in ready]
        spans = start_publishing(
            self._tracer,
            [(o.topic, o.event_id, o.traceparent, o.tracestate) for o in sending],
        )
        try:
            results = await send_all(self._broker, sending, timeout=self._publish_timeout)
        except BaseException as interrupted:
            finish_publishing(spans, [interrupted] * len(spans))
            raise
        finish_publishing(spans, results)
        published: list[Entry] = []
        failure: BaseException | None = None
        for (entry, _), error in zip(ready, results, strict=True):
            if error is None:
                published.append(entry)
            elif isinstance(error, MessageSizeTooLargeError):
                await self._park(entry, reason=type(error).__name__)
            else:
                failure = failure or error
        await self._outbox.done([entry.event_id for entry in published])
        for entry in published:
            EVENTS_PUBLISHED.labels(topic=entry.topic).inc()
        if failure is not None:
            raise failure
        return len(published)

    async def _park(self, entry: Entry, *, reason: str) -> None:
        log.error("outbox_entry_parked", event_id=entry.event_id, error=reason)
        await self._outbox.park(entry, reason=reason)

    async def _run(self) -> None:
        backoff = self._poll_seconds
        swept_at = 0.0  # a sweep first: what a crashed process left
        failed = False
        while True:
            self._outbox.wake.clear()
            try:
                await self.publish_fresh()
                since = time.monotonic() - swept_at
                # While this process has its own backlog, sweeping would read that too.
                if failed or since > self._sweep_seconds * (1 if not self._outbox.fresh else 12):
                    # After a failure everything stored is due, in order; otherwise only what
                    # nobody alive is still publishing.
                    await self.publish_pending(older_than=None if failed else SWEEP_GRACE)
                    swept_at = time.monotonic()
                    with contextlib.suppress(Exception):
                        OUTBOX_PENDING.set(await self._outbox.count_pending())
                backoff, failed = self._poll_seconds, False
            except asyncio.CancelledError:
                raise
            except Exception as error:
                # Kafka or the database is away: keep the entries and try again later.
                log.warning("outbox_publish_failed", error=type(error).__name__)
                backoff, failed = min(backoff * 2, 10.0), True
            if self._outbox.fresh and not failed:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._outbox.wake.wait(), timeout=backoff)
