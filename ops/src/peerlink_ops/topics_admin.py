"""Creates the catalogue's topics on a broker, each clinic's inbound topics, and the ACLs
that go with them (idempotent), each topic with the catalogue's `retention.ms`: a topic that
exists with another retention is brought back to the catalogue's."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

import structlog
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import TopicAlreadyExistsError, for_code
from peerlink_shared.messaging.kafka_access import KafkaAccess
from peerlink_shared.messaging.topics import PlannedTopic, Topics

from peerlink_ops.kafka_acls import catalogue_grants, clinic_grants, grant

log = structlog.get_logger("peerlink.topics")
RETENTION = "retention.ms"


async def ensure_topics(
    *, kafka: KafkaAccess, topics: Topics, replication_factor: int = 1
) -> list[str]:
    """Creates missing topics; returns the names it created."""
    return await _create_missing(
        kafka=kafka, wanted=topics.planned(), replication_factor=replication_factor
    )


async def ensure_clinic_topics(
    *, kafka: KafkaAccess, topics: Topics, clinic: str, replication_factor: int = 1
) -> list[str]:
    """Creates a clinic's inbound topic and its dead-letter topic if missing; returns the
    names it created. ValueError for an id that cannot be a clinic's."""
    return await _create_missing(
        kafka=kafka,
        wanted=topics.clinic_planned(clinic),
        replication_factor=replication_factor,
    )


async def clinic_dead_letter_topics(*, kafka: KafkaAccess, topics: Topics) -> list[str]:
    """The clinics' dead-letter topics that exist under this prefix, sorted."""
    pattern = topics.clinic_dead_letters_pattern()
    admin = AIOKafkaAdminClient(**kafka.client_options(), request_timeout_ms=15000)
    await admin.start()
    try:
        return sorted(name for name in await admin.list_topics() if pattern.match(name))
    finally:
        await admin.close()


async def _create_missing(
    *, kafka: KafkaAccess, wanted: Sequence[PlannedTopic], replication_factor: int
) -> list[str]:
    admin = AIOKafkaAdminClient(**kafka.client_options(), request_timeout_ms=15000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(
                name=topic.name,
                num_partitions=topic.partitions,
                replication_factor=replication_factor,
                topic_configs={RETENTION: str(topic.retention_ms)},
            )
            for topic in wanted
            if topic.name not in existing
        ]
        if missing:
            # Another process may create them between list and create: that is the goal.
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(missing)
        await _align_retention(admin, [topic for topic in wanted if topic.name in existing])
        return [topic.name for topic in missing]
    finally:
        await admin.close()


async def retention_of(admin: AIOKafkaAdminClient, names: Sequence[str]) -> dict[str, int]:
    """Each topic's `retention.ms` as the broker has it (its own default if none is set)."""
    if not names:
        return {}
    resources = [
        ConfigResource(ConfigResourceType.TOPIC, name, {RETENTION: None}) for name in names
    ]
    found: dict[str, int] = {}
    for response in await admin.describe_configs(resources):
        for error_code, _message, _type, name, entries, *_ in response.resources:
            _raise_for(error_code, name)
            for entry in entries:
                if entry[0] == RETENTION:
                    found[name] = int(entry[1])
    return found


async def _align_retention(admin: AIOKafkaAdminClient, topics: Sequence[PlannedTopic]) -> None:
    """Sets the catalogue's retention on existing topics that differ. (The legacy
    AlterConfigs request sets a topic's whole dynamic config: the catalogue owns it, and
    retention.ms is the only entry it has.)"""
    current = await retention_of(admin, [topic.name for topic in topics])
    changes = [topic for topic in topics if current.get(topic.name) != topic.retention_ms]
    if not changes:
        return
    resources = [
        ConfigResource(ConfigResourceType.TOPIC, topic.name, {RETENTION: str(topic.retention_ms)})
        for topic in changes
    ]
    for response in await admin.alter_configs(resources):
        for error_code, _message, _type, name, *_ in response.resources:
            _raise_for(error_code, name)
    for topic in changes:
        log.info(
            "topic_retention_aligned",
            topic=topic.name,
            was_ms=current.get(topic.name),
            retention_ms=topic.retention_ms,
        )


def _raise_for(error_code: int, name: str) -> None:
    if error_code:
        raise for_code(error_code)(f"topic {name}")


async def provision(
    kafka: KafkaAccess, topics: Topics, *, replication_factor: int = 1
) -> list[str]:
    """The topics and every principal's ACLs for them (needs the admin principal); returns the
    topics it created. Over PLAINTEXT there is no authorizer, so no ACLs."""
    created = await ensure_topics(kafka=kafka, topics=topics, replication_factor=replication_factor)
    if kafka.security_protocol != "PLAINTEXT":
        await grant(kafka, catalogue_grants(topics))
    return created


async def provision_clinic(
    kafka: KafkaAccess, topics: Topics, clinic: str, *, replication_factor: int = 1
) -> list[str]:
    """A clinic's topics, the clinic's right to write its own and intake's to read it (needs
    the admin principal); returns the topics it created. The clinic's SCRAM user is made
    beside this (docs/security.md)."""
    created = await ensure_clinic_topics(
        kafka=kafka, topics=topics, clinic=clinic, replication_factor=replication_factor
    )
    if kafka.security_protocol != "PLAINTEXT":
        await grant(kafka, clinic_grants(topics, clinic))
    return created
