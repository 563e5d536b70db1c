"""Creates the catalogue's topics on a broker, and the ACLs that go with them (idempotent)."""

from __future__ import annotations

import contextlib

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from peerlink_shared.kafka_access import KafkaAccess
from peerlink_shared.kafka_acls import catalogue_grants, grant
from peerlink_shared.topics import Topics


async def ensure_topics(
    *, kafka: KafkaAccess, topics: Topics, replication_factor: int = 1
) -> list[str]:
    """Creates missing topics; returns the names it created."""
    admin = AIOKafkaAdminClient(**kafka.client_options(), request_timeout_ms=15000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(name=name, num_partitions=partitions, replication_factor=replication_factor)
            for name, partitions in topics.all_with_dead_letters()
            if name not in existing
        ]
        if wanted:
            # Another process may create them between list and create: that is the goal.
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(wanted)
        return [topic.name for topic in wanted]
    finally:
        await admin.close()


async def provision(
    kafka: KafkaAccess, topics: Topics, *, replication_factor: int = 1
) -> list[str]:
    """The topics and every principal's ACLs for them (needs the admin principal); returns the
    topics it created. Over PLAINTEXT there is no authorizer, so no ACLs."""
    created = await ensure_topics(kafka=kafka, topics=topics, replication_factor=replication_factor)
    if kafka.security_protocol != "PLAINTEXT":
        await grant(kafka, catalogue_grants(topics))
    return created
