"""Topics are created explicitly, with several partitions and the catalogue's retention,
idempotently."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import TopicAuthorizationFailedError, UnknownTopicOrPartitionError
from peerlink_ops.topics_admin import ensure_clinic_topics, ensure_topics, retention_of
from peerlink_shared.messaging.topics import (
    CATALOGUE,
    CLINIC_INBOUND_SPEC,
    DAY_MS,
    DEFAULT_PARTITIONS,
    Topics,
    dead_letter_topic,
)

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


async def test_created_topics_carry_the_catalogues_retention_and_dead_letters_a_shorter_one(
    servers: Servers, topics: Topics
) -> None:
    admin = AIOKafkaAdminClient(**servers.kafka.client_options())
    await admin.start()
    try:
        planned = topics.planned()
        found = await retention_of(admin, [topic.name for topic in planned])
    finally:
        await admin.close()
    assert found == {topic.name: topic.retention_ms for topic in planned}
    for spec in CATALOGUE:
        name = topics.name(spec.name)
        assert found[name] == spec.retention_days * DAY_MS
        assert found[dead_letter_topic(name)] < found[name]


async def test_create_brings_a_changed_retention_back_to_the_catalogues(
    servers: Servers, run_id: str
) -> None:
    own = Topics(prefix=f"{run_id}-retention-")
    names = [topic.name for topic in own.planned()]
    admin = AIOKafkaAdminClient(**servers.kafka.client_options())
    await admin.start()
    try:
        assert sorted(await ensure_topics(kafka=servers.kafka, topics=own)) == sorted(names)
        await settled(admin, names)
        changed = own.person_events
        [altered] = await admin.alter_configs(
            [ConfigResource(ConfigResourceType.TOPIC, changed, {"retention.ms": "-1"})]
        )
        assert [error for error, *_ in altered.resources] == [0]
        assert await eventually(admin, changed, -1)  # kept for ever

        assert await ensure_topics(kafka=servers.kafka, topics=own) == []
        assert await eventually(admin, changed, 30 * DAY_MS)
        assert await retention_of(admin, names) == {t.name: t.retention_ms for t in own.planned()}
    finally:
        await admin.delete_topics(names)
        await admin.close()


async def test_a_clinics_topics_carry_the_inbound_retention(servers: Servers, run_id: str) -> None:
    own = Topics(prefix=f"{run_id}-retention-clinic-")
    planned = own.clinic_planned("bay-ehr")
    admin = AIOKafkaAdminClient(**servers.kafka.client_options())
    await admin.start()
    try:
        await ensure_clinic_topics(kafka=servers.kafka, topics=own, clinic="bay-ehr")
        found = await settled(admin, [topic.name for topic in planned])
        assert found == {
            own.clinic_inbound("bay-ehr"): CLINIC_INBOUND_SPEC.retention_days * DAY_MS,
            dead_letter_topic(own.clinic_inbound("bay-ehr")): (
                CLINIC_INBOUND_SPEC.dead_letter_retention_days * DAY_MS
            ),
        }
    finally:
        await admin.delete_topics([topic.name for topic in planned])
        await admin.close()


async def settled(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, int]:
    """The topics' retention once the broker knows every one (just created: a moment)."""
    for _ in range(100):
        try:
            return await retention_of(admin, names)
        except UnknownTopicOrPartitionError:
            await asyncio.sleep(0.1)
    return await retention_of(admin, names)


async def eventually(admin: AIOKafkaAdminClient, name: str, retention_ms: int) -> bool:
    """Whether the topic shows this retention within a few seconds (a change is applied
    through the metadata log, a moment after it is acknowledged)."""
    for _ in range(100):
        if (await retention_of(admin, [name]))[name] == retention_ms:
            return True
        await asyncio.sleep(0.1)
    return False


async def test_ops_may_create_topics_with_their_retention_but_not_change_a_topics(
    servers: Servers, topics: Topics
) -> None:
    """Ops holds cluster CREATE and topic DESCRIBE_CONFIGS: a run over topics that match the
    catalogue, or that do not exist yet, needs nothing more. Changing an existing topic's
    retention needs ALTER_CONFIGS, which only the admin has."""
    ops = servers.kafka.as_principal("ops")
    assert await ensure_topics(kafka=ops, topics=topics) == []

    admin = AIOKafkaAdminClient(**servers.kafka.client_options())
    await admin.start()
    changed = topics.session_events
    try:
        await admin.alter_configs(
            [ConfigResource(ConfigResourceType.TOPIC, changed, {"retention.ms": str(DAY_MS)})]
        )
        assert await eventually(admin, changed, DAY_MS)
        with pytest.raises(TopicAuthorizationFailedError):
            await ensure_topics(kafka=ops, topics=topics)
        assert await ensure_topics(kafka=servers.kafka, topics=topics) == []
        assert await eventually(admin, changed, 30 * DAY_MS)
    finally:
        await admin.close()
