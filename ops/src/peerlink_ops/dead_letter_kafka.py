"""Reads dead-letter topics as they are at one moment, and publishes replays.

Reading uses no consumer group: nothing is committed, no service's offsets move, and two
engineers can read the same topic at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from peerlink_shared.messaging.kafka_access import KafkaAccess

from peerlink_ops.dead_letter_replay import Replay
from peerlink_ops.dead_letter_view import DeadLetter

REQUEST_TIMEOUT_MS = 15000


class MissingTopics(Exception):
    def __init__(self, names: Sequence[str]) -> None:
        super().__init__(", ".join(names))
        self.names = list(names)


async def partitions_of(kafka: KafkaAccess, topics: Sequence[str]) -> dict[str, list[int]]:
    """Partition ids per topic; MissingTopics if any does not exist (and none is created)."""
    admin = AIOKafkaAdminClient(**kafka.client_options(), request_timeout_ms=REQUEST_TIMEOUT_MS)
    await admin.start()
    try:
        # Listed first: a metadata request naming a missing topic may auto-create it.
        existing = set(await admin.list_topics())
        missing = [name for name in topics if name not in existing]
        if missing:
            raise MissingTopics(missing)
        described = await admin.describe_topics(list(topics))
        return {
            str(item["topic"]): sorted(int(part["partition"]) for part in item["partitions"])
            for item in described
        }
    finally:
        await admin.close()


async def read_dead_letters(
    kafka: KafkaAccess, topics: Sequence[str], *, stall_seconds: float = 30.0
) -> AsyncIterator[DeadLetter]:
    """Every record on these topics from the beginning to the end offsets as they were at the
    start, so a topic still being written to does not keep the reader going."""
    layout = await partitions_of(kafka, topics)
    every = [TopicPartition(topic, part) for topic, parts in layout.items() for part in parts]
    consumer = AIOKafkaConsumer(
        **kafka.client_options(),
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        request_timeout_ms=REQUEST_TIMEOUT_MS,
    )
    await consumer.start()
    try:
        starts = await consumer.beginning_offsets(every)
        ends: dict[TopicPartition, int] = await consumer.end_offsets(every)
        pending = {part for part in every if ends[part] > starts[part]}
        if not pending:
            return
        consumer.assign(list(pending))
        await consumer.seek_to_beginning(*pending)
        stalled_since = asyncio.get_running_loop().time()
        while pending:
            batch = await consumer.getmany(*pending, timeout_ms=1000)
            for part, records in batch.items():
                stalled_since = asyncio.get_running_loop().time()
                for record in records:
                    if record.offset < ends[part]:
                        yield DeadLetter(
                            topic=record.topic,
                            partition=record.partition,
                            offset=record.offset,
                            timestamp_ms=record.timestamp,
                            key=record.key,
                            value=record.value or b"",
                            headers=dict(record.headers),
                        )
            for part in list(pending):
                if await consumer.position(part) >= ends[part]:
                    pending.discard(part)
            if asyncio.get_running_loop().time() - stalled_since > stall_seconds:
                raise TimeoutError(f"no records for {stall_seconds}s before the end offsets")
    finally:
        await consumer.stop()


async def publish_replays(
    kafka: KafkaAccess,
    replays: Sequence[Replay],
    *,
    every: int,
    on_progress: Callable[[int], None],
) -> None:
    """Publishes in order, `every` at a time, reporting how many Kafka acknowledged so far.
    Idempotent and acks=all: a retried send is not doubled and an ack means replicated."""
    producer = AIOKafkaProducer(
        **kafka.client_options(),
        acks="all",
        enable_idempotence=True,
        request_timeout_ms=REQUEST_TIMEOUT_MS,
    )
    await producer.start()
    try:
        done = 0
        for start in range(0, len(replays), every):
            chunk = replays[start : start + every]
            sent = [
                await producer.send(
                    item.topic, item.value, key=item.key, headers=list(item.headers)
                )
                for item in chunk
            ]
            await asyncio.gather(*sent)
            done += len(chunk)
            on_progress(done)
    finally:
        await producer.stop()
