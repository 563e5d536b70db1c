"""Kafka broker factory with safe producer settings, and publishing with a timeout."""

from __future__ import annotations

import asyncio
import logging

from faststream.kafka import KafkaBroker
from faststream.middlewares import AckPolicy

from peerlink_shared.envelope import Envelope

# Every subscriber commits only after our consume wrapper has finished with a message
# (handled, ignored or dead-lettered), never FastStream's at-most-once ACK_FIRST default;
# if the wrapper itself raises, the message is sought back and redelivered, not committed.
SUBSCRIBER_ACK_POLICY = AckPolicy.NACK_ON_ERROR
ENVELOPE_CONTENT_TYPE = "application/cloudevents+json"


def make_broker(*, bootstrap: str, client_id: str) -> KafkaBroker:
    return KafkaBroker(
        bootstrap,
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        request_timeout_ms=15000,
        allow_auto_create_topics=False,
        ack_policy=SUBSCRIBER_ACK_POLICY,
        graceful_timeout=20.0,
        logger=logging.getLogger(f"faststream.{client_id}"),
    )


async def publish_envelope(
    broker: KafkaBroker, *, envelope: Envelope, topic: str, timeout: float
) -> None:
    """Publishes one envelope keyed by its subject; raises TimeoutError if Kafka hangs."""
    await asyncio.wait_for(
        broker.publish(
            envelope.model_dump_json().encode(),
            topic=topic,
            key=envelope.subject.encode(),
            headers={"content-type": ENVELOPE_CONTENT_TYPE, "ce_type": envelope.type},
            correlation_id=envelope.correlationid,
        ),
        timeout=timeout,
    )
