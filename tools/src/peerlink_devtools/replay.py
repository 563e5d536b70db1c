"""Re-publishes events already on a topic, byte for byte: a redelivery as Kafka would make it."""

from __future__ import annotations

import json

from aiokafka import AIOKafkaProducer
from peerlink_shared.messaging.kafka_access import KafkaAccess

from peerlink_devtools.kafka_watch import Record, read_all


async def find_event(kafka: KafkaAccess, topic: str, event_id: str) -> Record:
    for record in await read_all(kafka, [topic]):
        try:
            event = json.loads(record.value)
        except (ValueError, RecursionError):  # junk on a shared topic (hostile-input tests)
            continue
        if isinstance(event, dict) and event.get("id") == event_id:
            return record
    raise LookupError(f"event {event_id} is not on {topic}")


async def republish(kafka: KafkaAccess, record: Record, *, times: int = 1) -> None:
    producer = AIOKafkaProducer(**kafka.client_options(), acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for _ in range(times):
            await producer.send_and_wait(
                record.topic,
                record.value,
                key=record.key,
                headers=[(name, value.encode()) for name, value in record.headers.items()],
            )
    finally:
        await producer.stop()
