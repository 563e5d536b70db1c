"""What a side did: consumer-group lag and topic sizes from Kafka (clients kept open for the
whole run, so sampling lag every quarter second costs a few requests, not new connections),
and the database commands its processes counted themselves."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from peerlink_shared.messaging.kafka_access import KafkaAccess

# Commands as the MongoDB driver names them; one document each in every service and hop.
WRITE_COMMANDS = frozenset({"insert", "update", "delete", "findAndModify"})
READ_COMMANDS = frozenset({"find", "getMore", "aggregate", "count", "distinct"})


@dataclass(frozen=True)
class DatabaseOps:
    reads: int = 0
    writes: int = 0

    def __add__(self, other: DatabaseOps) -> DatabaseOps:
        return DatabaseOps(self.reads + other.reads, self.writes + other.writes)

    def __sub__(self, other: DatabaseOps) -> DatabaseOps:
        return DatabaseOps(self.reads - other.reads, self.writes - other.writes)


def database_ops(ops_dir: Path) -> dict[str, DatabaseOps]:
    """Reads and writes per database so far, from every process counting into `ops_dir`
    (see `opcount/sitecustomize.py`)."""
    found: dict[str, DatabaseOps] = {}
    for dump in ops_dir.glob("*.json"):
        counts: dict[str, int] = json.loads(dump.read_text())
        for key, count in counts.items():
            database, command = key.split(" ", 1)
            ops = DatabaseOps(
                reads=count if command in READ_COMMANDS else 0,
                writes=count if command in WRITE_COMMANDS else 0,
            )
            found[database] = found.get(database, DatabaseOps()) + ops
    return found


class Counters:
    def __init__(self, *, kafka: KafkaAccess) -> None:
        self._admin = AIOKafkaAdminClient(**kafka.client_options(), request_timeout_ms=15000)
        self._consumer = AIOKafkaConsumer(**kafka.client_options(), enable_auto_commit=False)
        self._partitions: dict[str, list[TopicPartition]] = {}

    async def start(self) -> None:
        await self._admin.start()
        await self._consumer.start()

    async def close(self) -> None:
        await self._consumer.stop()
        await self._admin.close()

    async def _partitions_of(self, topic: str) -> list[TopicPartition]:
        if topic not in self._partitions:
            found = self._consumer.partitions_for_topic(topic)
            if not found:
                await self._consumer._client.force_metadata_update()
                found = self._consumer.partitions_for_topic(topic) or set()
            self._partitions[topic] = [TopicPartition(topic, p) for p in sorted(found)]
        return self._partitions[topic]

    async def ends(self, topics: Iterable[str]) -> dict[TopicPartition, int]:
        partitions = [tp for topic in topics for tp in await self._partitions_of(topic)]
        ends: dict[TopicPartition, int] = await self._consumer.end_offsets(partitions)
        return ends

    async def sizes(self, topics: Iterable[str]) -> dict[str, int]:
        """Messages ever written to each topic."""
        totals: dict[str, int] = {}
        for partition, end in (await self.ends(topics)).items():
            totals[partition.topic] = totals.get(partition.topic, 0) + end
        return totals

    async def lag(self, groups: Mapping[str, list[str]]) -> int:
        """Messages the groups have not committed yet, on the topics each reads."""
        ends = await self.ends({topic for names in groups.values() for topic in names})
        total = 0
        for group, topics in groups.items():
            committed = await self._admin.list_consumer_group_offsets(group)
            for partition, end in ends.items():
                if partition.topic not in topics:
                    continue
                offset = committed.get(partition)
                done = offset.offset if offset is not None and offset.offset >= 0 else 0
                total += max(0, end - done)
        return total
