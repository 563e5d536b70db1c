"""The outbox survives a crash between the database write and the Kafka publish."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from peerlink_devtools.kafka_watch import read_all
from peerlink_shared.clock import SystemClock
from peerlink_shared.contracts import RelapseRecorded
from peerlink_shared.messaging.kafka import make_broker
from peerlink_shared.messaging.outbox import Outbox, OutboxRelay
from peerlink_shared.messaging.topics import Topics
from peerlink_shared.storage.mongo import make_mongo_client

from tests.integration.helpers import as_event, envelope_for
from tests.servers import Servers


async def test_an_entry_written_before_a_crash_is_published_by_the_next_relay(
    servers: Servers, topics: Topics, run_id: str
) -> None:
    client = make_mongo_client(servers.mongo_url)
    outbox = Outbox(client[f"{run_id}_outbox"], clock=SystemClock())
    await outbox.ensure_indexes()
    event = envelope_for(
        RelapseRecorded(person_id="p-crash", relapsed_on=date(2026, 1, 1)), subject="p-crash"
    )
    # The process "crashes" here: the entry is stored, nothing was published.
    await outbox.add(envelope=event, topic=topics.person_events)
    await outbox.add(envelope=event, topic=topics.person_events)
    assert await outbox.count_pending() == 1

    broker = make_broker(kafka=servers.kafka, client_id="outbox-test")
    await broker.start()
    try:
        # The next process: nothing in memory, only what the database kept.
        restarted = Outbox(client[f"{run_id}_outbox"], clock=SystemClock())
        assert not restarted.fresh
        relay = OutboxRelay(outbox=restarted, broker=broker, publish_timeout=10)
        assert await relay.publish_pending() == 1
        assert await relay.publish_pending() == 0
        assert await outbox.count_pending() == 0
    finally:
        await broker.stop()
        await client.close()

    records = await read_all(servers.kafka, [topics.person_events], idle_seconds=0.5)
    published = [r for r in records if (as_event(r.value) or {}).get("id") == event.id]
    assert len(published) == 1
    assert published[0].key == b"p-crash"
    assert datetime.now(UTC) > event.time


async def test_an_entry_that_can_never_be_published_is_parked_not_blocking(
    servers: Servers, topics: Topics, run_id: str
) -> None:
    client = make_mongo_client(servers.mongo_url)
    db = client[f"{run_id}_outbox_poison"]
    outbox = Outbox(db, clock=SystemClock())
    await db["outbox"].insert_one(
        {"_id": "corrupt", "topic": topics.person_events, "body": "{not json", "seq": 0}
    )
    event = envelope_for(
        RelapseRecorded(person_id="p-after", relapsed_on=date(2026, 1, 1)), subject="p-after"
    )
    await outbox.add(envelope=event, topic=topics.person_events)
    outbox.fresh.clear()  # as after a restart: only the database copies are left

    broker = make_broker(kafka=servers.kafka, client_id="outbox-poison-test")
    await broker.start()
    try:
        relay = OutboxRelay(outbox=outbox, broker=broker, publish_timeout=10)
        assert await relay.publish_pending() == 1
    finally:
        await broker.stop()
    parked = await db["outbox_parked"].find_one({"_id": "corrupt"})
    assert parked is not None and parked["reason"] == "ValidationError"
    assert await outbox.count_pending() == 0
    await client.close()


async def test_what_a_process_records_it_publishes_in_order_without_reading_it_back(
    servers: Servers, topics: Topics, run_id: str
) -> None:
    client = make_mongo_client(servers.mongo_url)
    outbox = Outbox(client[f"{run_id}_outbox_fresh"], clock=SystemClock())
    events = [
        envelope_for(
            RelapseRecorded(person_id="p-order", relapsed_on=date(2026, 1, 1 + n)),
            subject="p-order",
        )
        for n in range(20)
    ]
    for event in events:
        await outbox.add(envelope=event, topic=topics.person_events)
    broker = make_broker(kafka=servers.kafka, client_id="outbox-fresh-test")
    await broker.start()
    try:
        relay = OutboxRelay(outbox=outbox, broker=broker, publish_timeout=10)
        assert await relay.publish_fresh() == 20
        assert not outbox.fresh
        assert await outbox.count_pending() == 0
        # Nothing left for a sweep to publish a second time.
        assert await relay.publish_pending() == 0
    finally:
        await broker.stop()
        await client.close()
    records = await read_all(servers.kafka, [topics.person_events], idle_seconds=0.5)
    ids = {event.id for event in events}
    published = [
        found["id"] for r in records if (found := as_event(r.value) or {}).get("id") in ids
    ]
    assert published == [event.id for event in events]


async def test_a_failed_send_leaves_the_entries_for_the_sweep(
    servers: Servers, topics: Topics, run_id: str
) -> None:
    client = make_mongo_client(servers.mongo_url)
    outbox = Outbox(client[f"{run_id}_outbox_failed"], clock=SystemClock())
    event = envelope_for(
        RelapseRecorded(person_id="p-failed", relapsed_on=date(2026, 1, 1)), subject="p-failed"
    )
    # A topic that does not exist (auto-creation is off): the send cannot succeed.
    await outbox.add(envelope=event, topic=f"{topics.prefix}no-such-topic")
    broker = make_broker(kafka=servers.kafka, client_id="outbox-failed-test")
    await broker.start()
    try:
        relay = OutboxRelay(outbox=outbox, broker=broker, publish_timeout=2)
        with pytest.raises(Exception):  # noqa: B017 - whichever error Kafka gives
            await relay.publish_fresh()
        assert not outbox.fresh
        assert await outbox.count_pending() == 1
    finally:
        await broker.stop()
        await client.close()
