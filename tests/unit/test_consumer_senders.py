"""The consumer's pattern subscription as it is handed to FastStream and Kafka. Delivery,
the sender of each record and the per-sender inbox are proven against the real broker in
tests/integration/test_clinic_senders.py."""

from __future__ import annotations

import re

import pytest
from faststream.kafka import KafkaBroker
from faststream.kafka.subscriber.usecase import BatchSubscriber
from peerlink_shared.clock import SystemClock
from peerlink_shared.contracts import CravingCheckInRecorded
from peerlink_shared.messaging.consumer import EventConsumer, sender_route
from peerlink_shared.messaging.consumer_health import ConsumerHealth
from peerlink_shared.messaging.envelope import Envelope
from peerlink_shared.messaging.topics import Topics

from tests.fakes.messaging import MemoryInbox

TOPICS = Topics(prefix="u1-")


def test_the_pattern_reaches_kafka_as_written() -> None:
    """FastStream reads `{name}` in a pattern as a path parameter and rewrites it: ours must
    reach the Kafka client unchanged, anchored, so it matches exactly the clinics' topics."""
    broker = KafkaBroker()
    consumer = EventConsumer(
        broker=broker,
        inbox=MemoryInbox(),
        clock=SystemClock(),
        publish_timeout=5.0,
        max_attempts=3,
        health=ConsumerHealth(stuck_after_seconds=60),
    )
    consumer.subscribe(
        topic=TOPICS.clinic_inbound_pattern,
        group_id="g",
        routes=[sender_route(CravingCheckInRecorded, ignore)],
        strict=True,
    )
    (subscriber,) = broker.subscribers
    assert isinstance(subscriber, BatchSubscriber)
    assert subscriber.topics == []
    assert subscriber.pattern is not None
    sent_to_kafka = re.compile(subscriber.pattern.broker_address)
    assert sent_to_kafka.pattern == TOPICS.clinic_inbound_pattern.pattern
    assert sent_to_kafka.match("u1-clinic-inbound.bay-ehr")
    assert not sent_to_kafka.match("u1-clinic-inbound.bay-ehr.dlq")


async def ignore(_envelope: Envelope, _fact: CravingCheckInRecorded, _sender: str) -> None:
    return None


@pytest.mark.parametrize(
    "pattern", [re.compile(r"^u1-clinic-inbound\.[a-z]+$"), re.compile(r"^u1-(?P<sender>x{2})$")]
)
def test_a_pattern_must_name_its_sender_and_hold_no_braces(pattern: re.Pattern[str]) -> None:
    consumer = EventConsumer(
        broker=KafkaBroker(),
        inbox=MemoryInbox(),
        clock=SystemClock(),
        publish_timeout=5.0,
        max_attempts=3,
        health=ConsumerHealth(stuck_after_seconds=60),
    )
    with pytest.raises(ValueError, match="a pattern needs a group 'sender' and no braces"):
        consumer.subscribe(topic=pattern, group_id="g", routes=[])
