"""Kafka broker factory with safe producer settings, and publishing with a timeout."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from faststream.kafka import KafkaBroker
from faststream.middlewares import AckPolicy

from peerlink_shared.messaging.envelope import Envelope
from peerlink_shared.messaging.kafka_access import KafkaAccess

# Every subscriber commits only after our consume wrapper has finished with a message
# (handled, ignored or dead-lettered), never FastStream's at-most-once ACK_FIRST default;
# if the wrapper itself raises, the message is sought back and redelivered, not committed.
SUBSCRIBER_ACK_POLICY = AckPolicy.NACK_ON_ERROR
ENVELOPE_CONTENT_TYPE = "application/cloudevents+json"
# The headers on every published event (the AsyncAPI documents describe them). The body is
# a structured-mode CloudEvent; `ce_type` repeats its type so routers need not parse it.
CONTENT_TYPE_HEADER = "content-type"
EVENT_TYPE_HEADER = "ce_type"
# Where FastStream writes `publish(correlation_id=...)`, and a fresh id when none is given.
CORRELATION_ID_HEADER = "correlation_id"


def make_broker(
    *, kafka: KafkaAccess, client_id: str, metadata_max_age_ms: int = 5 * 60 * 1000
) -> KafkaBroker:
    """`metadata_max_age_ms` also bounds how long a pattern subscription takes to notice a
    topic created after it started."""
    return KafkaBroker(
        kafka.bootstrap,
        security=kafka.broker_security(),
        client_id=client_id,
        metadata_max_age_ms=metadata_max_age_ms,
        acks="all",
        enable_idempotence=True,
        request_timeout_ms=15000,
        allow_auto_create_topics=False,
        ack_policy=SUBSCRIBER_ACK_POLICY,
        graceful_timeout=20.0,
        logger=logging.getLogger(f"faststream.{client_id}"),
    )


@dataclass(frozen=True)
class Outgoing:
    """An envelope ready to send: its bytes and what Kafka needs beside them."""

    topic: str
    body: bytes
    key: bytes
    event_type: str
    correlation_id: str
    event_id: str
    # The trace the event continues (the body holds it too: this spares parsing it again).
    traceparent: str | None = None
    tracestate: str | None = None

    @classmethod
    def of(cls, envelope: Envelope, *, topic: str, body: bytes) -> Outgoing:
        return cls(
            topic=topic,
            body=body,
            key=envelope.subject.encode(),
            event_type=envelope.type,
            correlation_id=envelope.correlationid,
            event_id=envelope.id,
            traceparent=envelope.traceparent,
            tracestate=envelope.tracestate,
        )


async def send_all(
    broker: KafkaBroker, messages: Sequence[Outgoing], *, timeout: float
) -> list[BaseException | None]:
    """Sends every message with all of them in flight at once, in order (the idempotent
    producer keeps each partition's order), and waits for every acknowledgement; returns
    each one's error or None. Much faster than one acknowledged send after another."""
    sends: list[asyncio.Future[object]] = []
    try:
        # Enqueueing waits too when Kafka is away (metadata, a full buffer): bounded as well.
        async with asyncio.timeout(timeout):
            for message in messages:
                sends.append(
                    await broker.publish(
                        message.body,
                        topic=message.topic,
                        key=message.key,
                        headers={
                            CONTENT_TYPE_HEADER: ENVELOPE_CONTENT_TYPE,
                            EVENT_TYPE_HEADER: message.event_type,
                        },
                        correlation_id=message.correlation_id,
                        no_confirm=True,
                    )
                )
            results = await asyncio.gather(*sends, return_exceptions=True)
    except TimeoutError as timed_out:
        # Sends that were answered keep their answer; the rest count as timed out.
        errors: list[BaseException | None] = []
        for send in sends:
            if send.done() and not send.cancelled():
                errors.append(send.exception())
            else:
                send.cancel()
                errors.append(timed_out)
        return errors + [timed_out] * (len(messages) - len(sends))
    return [result if isinstance(result, BaseException) else None for result in results]
