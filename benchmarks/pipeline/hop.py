"""One hop of the hand-written relay, as its own process: plain aiokafka and PyMongo.

    python -m benchmarks.pipeline.hop --spec '<HopSpec as JSON>' --kafka ... --places 4

Per consumed event: the inbox check, the spec's reads and per-event writes, then for each
event it publishes the spec's per-output writes and an outbox insert; a relay task (so
consuming goes on meanwhile, as in the services) sends everything queued with acks=all and
idempotence and deletes what was acknowledged in one command. The handled ids go to the
inbox in one insert per poll, then the offsets are committed: at-least-once, the inbox
dropping a redelivered event — the same batching the services do. On start it publishes
whatever its outbox still holds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from peerlink_shared.messaging.kafka_access import KafkaAccess
from peerlink_shared.storage.mongo import Database, Document, MongoClient
from pymongo import AsyncMongoClient, DeleteOne, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError

from benchmarks.pipeline.hops import HopSpec
from benchmarks.pipeline.relay_events import Incoming, Outgoing, Seen, publishes

NAMESPACE = uuid.UUID("0b6c3f0e-6a43-4c55-9d0e-1a7c5b9e2f41")


@dataclass
class Credit:
    """Spreads a fractional count over events: 1.2 a time is 1, 1, 1, 1, 2, 1, ..."""

    per_event: float
    owed: float = 0.0

    def take(self) -> int:
        self.owed += self.per_event
        whole = int(self.owed)
        self.owed -= whole
        return whole


class Hop:
    def __init__(
        self, *, spec: HopSpec, places: int, target: str, db: Database, producer: AIOKafkaProducer
    ) -> None:
        self._spec = spec
        self._places = places
        self._target = target
        self._producer = producer
        self._inbox, self._state = db["inbox"], db["state"]
        self._records, self._places_taken, self._outbox = db["records"], db["places"], db["outbox"]
        self._reads = Credit(spec.reads)
        self._writes = Credit(spec.writes)
        self._output_writes = Credit(spec.output_writes)
        self.queue: asyncio.Queue[Document] = asyncio.Queue()

    async def prepare(self) -> None:
        # Collections made now, not by the first event: creating one (a table and its
        # indexes under FerretDB) takes a good part of a second, as the services' did at
        # their start or during a step's registrations.
        for collection in (self._inbox, self._state, self._records, self._outbox):
            await collection.create_index([("_id", 1)])
        await self._places_taken.create_index([("centre_id", 1)])
        async for entry in self._outbox.find({}):
            self.queue.put_nowait(entry)

    async def handle(self, value: bytes) -> str | None:
        """Handles one event; returns its id for the inbox, or None if it was there."""
        event = Incoming.parse(value)
        if await self._inbox.find_one({"_id": event.id}, {"_id": 1}) is not None:
            return None
        for _ in range(self._reads.take()):
            await self._state.find_one({"_id": f"{event.subject}:0"})
        seen = await self._write_state(event)
        for n, out in enumerate(publishes(self._spec.number, event, seen, places=self._places)):
            event_id = str(uuid.uuid5(NAMESPACE, f"{event.id}:{n}"))
            await self._write_output(out, event_id)
            body = out.body(event_id, event).decode()
            entry = {"_id": event_id, "key": out.subject, "body": body}
            if await _insert(self._outbox, entry):
                self.queue.put_nowait(entry)
        return event.id

    async def remember(self, event_ids: list[str]) -> None:
        at = datetime.now(UTC)
        with contextlib.suppress(BulkWriteError):  # ids a redelivered batch wrote before
            await self._inbox.insert_many(
                [{"_id": event_id, "at": at} for event_id in event_ids], ordered=False
            )

    async def _write_state(self, event: Incoming) -> Seen:
        writes = self._writes.take()
        seen = Seen()
        if self._spec.number == 2:
            # The eligibility hop counts a graduate's facts: always one of its writes.
            centre = event.text("centre_id")
            found = await self._state.find_one_and_update(
                {"_id": f"{event.subject}:facts"},
                {"$inc": {"facts": 1}, **({"$set": {"centre_id": centre}} if centre else {})},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
            if found is None:  # an upsert returning the document after it always finds one
                raise RuntimeError("findAndModify returned nothing")
            seen = Seen(facts=int(found["facts"]), centre=str(found.get("centre_id", "")))
            writes -= 1
        for k in range(writes):
            await self._state.update_one(
                {"_id": f"{event.subject}:{k}"}, {"$set": {"last": event.id}}, upsert=True
            )
        if self._spec.number == 3 and event.data.get("eligible") is True:
            taken = await self._places_taken.count_documents({"centre_id": event.text("centre_id")})
            seen = Seen(booked=taken)
        return seen

    async def _write_output(self, out: Outgoing, event_id: str) -> None:
        writes = self._output_writes.take()
        if out.place is not None:
            # The place itself: a unique insert, as scheduling claims a slot.
            centre = out.place.rsplit(":", 1)[0]
            await _insert(self._places_taken, {"_id": out.place, "centre_id": centre})
            writes -= 1
        for k in range(writes):
            await _insert(self._records, {"_id": f"{event_id}:{k}", "subject": out.subject})

    async def relay(self) -> None:
        """Sends everything queued at once, then deletes what was acknowledged."""
        while True:
            entries = [await self.queue.get()]
            while not self.queue.empty():
                entries.append(self.queue.get_nowait())
            acks = [
                await self._producer.send(
                    self._target, str(e["body"]).encode(), key=str(e["key"]).encode()
                )
                for e in entries
            ]
            await asyncio.gather(*acks)
            await self._outbox.bulk_write(
                [DeleteOne({"_id": entry["_id"]}) for entry in entries], ordered=False
            )


async def _insert(collection: AsyncCollection[Document], document: Document) -> bool:
    """A redelivered event (handled but not yet committed) writes the same ids again."""
    try:
        await collection.insert_one(document)
    except DuplicateKeyError:
        return False
    return True


async def consume(consumer: AIOKafkaConsumer, hop: Hop) -> None:
    while True:
        batch = await consumer.getmany(timeout_ms=500, max_records=200)
        handled = []
        for records in batch.values():
            for record in records:
                if (event_id := await hop.handle(record.value)) is not None:
                    handled.append(event_id)
        if handled:
            await hop.remember(handled)
        if batch:
            await consumer.commit()


async def _assigned(consumer: AIOKafkaConsumer, *, timeout: float = 60.0) -> None:
    """Until the group gave this hop its partitions: only then is it ready for a step."""
    for _ in range(int(timeout / 0.1)):
        if consumer.assignment():
            return
        await asyncio.sleep(0.1)
    raise TimeoutError("no partitions assigned")


async def run(args: argparse.Namespace) -> None:
    spec = HopSpec(**json.loads(args.spec))
    mongo: MongoClient = AsyncMongoClient(args.mongo, tz_aware=True)
    consumer = AIOKafkaConsumer(
        f"{args.topic_prefix}{spec.source}",
        **KafkaAccess.from_env(bootstrap=args.kafka).client_options(),
        group_id=args.group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=10000,
        heartbeat_interval_ms=1000,
    )
    producer = AIOKafkaProducer(
        **KafkaAccess.from_env(bootstrap=args.kafka).client_options(),
        acks="all",
        enable_idempotence=True,
    )
    hop = Hop(
        spec=spec,
        places=args.places,
        target=f"{args.topic_prefix}{spec.target}",
        db=mongo[args.database],
        producer=producer,
    )
    await producer.start()
    await consumer.start()
    tasks: list[asyncio.Task[None]] = []
    try:
        await hop.prepare()
        tasks = [asyncio.create_task(hop.relay()), asyncio.create_task(consume(consumer, hop))]
        await _assigned(consumer)
        print("ready", flush=True)
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await consumer.stop()
        await producer.stop()
        await mongo.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("--spec", "--kafka", "--mongo", "--database", "--topic-prefix", "--group"):
        parser.add_argument(name, required=True)
    parser.add_argument("--places", type=int, required=True, help="booking places per centre")
    args = parser.parse_args()

    async def until_stopped() -> None:
        # SIGTERM unwinds like Ctrl-C, so the clients close and the group is left cleanly.
        task = asyncio.current_task()
        if task is not None:
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await run(args)

    asyncio.run(until_stopped())


if __name__ == "__main__":
    main()
