"""Reads topics for people and tests: every envelope on a topic, and consumer-group lag."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from peerlink_shared.messaging.kafka_access import KafkaAccess


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: dict[str, str]


async def read_all(
    kafka: KafkaAccess, topics: list[str], *, idle_seconds: float = 1.5
) -> list[Record]:
    """Everything on these topics now, from the beginning (no group, nothing committed)."""
    consumer = AIOKafkaConsumer(
        *topics, **kafka.client_options(), auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    records: list[Record] = []
    try:
        while True:
            batch = await consumer.getmany(timeout_ms=int(idle_seconds * 1000))
            if not batch:
                break
            for items in batch.values():
                records.extend(
                    Record(
                        item.topic,
                        item.partition,
                        item.offset,
                        item.key,
                        item.value,
                        {name: value.decode() for name, value in item.headers},
                    )
                    for item in items
                )
    finally:
        await consumer.stop()
    return records


async def group_lag(kafka: KafkaAccess, group: str, topics: list[str]) -> int:
    """Messages on these topics that the group has not committed yet."""
    admin = AIOKafkaAdminClient(**kafka.client_options())
    consumer = AIOKafkaConsumer(**kafka.client_options(), enable_auto_commit=False)
    await admin.start()
    await consumer.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
        partitions = [
            TopicPartition(topic, partition)
            for topic in topics
            for partition in sorted(
                consumer.partitions_for_topic(topic) or await _partitions(consumer, topic)
            )
        ]
        ends = await consumer.end_offsets(partitions)
        lag = 0
        for partition in partitions:
            offset = committed.get(partition)
            done = offset.offset if offset is not None and offset.offset >= 0 else 0
            lag += max(0, ends[partition] - done)
        return lag
    finally:
        await consumer.stop()
        await admin.close()


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    await consumer._client.force_metadata_update()
    return consumer.partitions_for_topic(topic) or set()


async def wait_for_zero_lag(
    kafka: KafkaAccess, groups: dict[str, list[str]], *, timeout: float = 60.0, settle: float = 1.0
) -> None:
    """Until every group has committed everything on its topics, twice in a row."""
    deadline = asyncio.get_running_loop().time() + timeout
    quiet = 0
    while asyncio.get_running_loop().time() < deadline:
        lags = [await group_lag(kafka, group, topics) for group, topics in groups.items()]
        quiet = quiet + 1 if not any(lags) else 0
        if quiet >= 2:
            return
        await asyncio.sleep(settle)
    raise TimeoutError(f"consumer lag did not reach zero within {timeout}s")
