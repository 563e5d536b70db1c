"""Topics are created explicitly, with several partitions, idempotently."""

from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient
from peerlink_shared.topics import DEFAULT_PARTITIONS, Topics
from peerlink_shared.topics_admin import ensure_topics

from tests.servers import Servers


async def test_catalogue_topics_exist_with_several_partitions(
    servers: Servers, topics: Topics
) -> None:
    admin = AIOKafkaAdminClient(**servers.kafka.client_options())
    await admin.start()
    try:
        wanted = dict(topics.all_with_dead_letters())
        described = await admin.describe_topics(list(wanted))
        counts = {topic["topic"]: len(topic["partitions"]) for topic in described}
        assert counts == wanted
        assert set(counts.values()) == {DEFAULT_PARTITIONS}
    finally:
        await admin.close()


async def test_creating_again_creates_nothing(servers: Servers, topics: Topics) -> None:
    assert await ensure_topics(kafka=servers.kafka, topics=topics) == []
