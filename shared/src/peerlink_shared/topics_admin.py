"""Creates the catalogue's topics on a broker, each clinic's inbound topics, and the ACLs
that go with them (idempotent)."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from peerlink_shared.kafka_access import KafkaAccess
from peerlink_shared.kafka_acls import catalogue_grants, clinic_grants, grant
from peerlink_shared.topics import Topics


async def ensure_topics(
    *, kafka: KafkaAccess, topics: Topics, replication_factor: int = 1
) -> list[str]:
    """Creates missing topics; returns the names it created."""
    return await _create_missing(
        kafka=kafka, wanted=topics.all_with_dead_letters(), replication_factor=replication_factor
    )


async def ensure_clinic_topics(
    *, kafka: KafkaAccess, topics: Topics, clinic: str, replication_factor: int = 1
) -> list[str]:
    """Creates a clinic's inbound topic and its dead-letter topic if missing; returns the
    names it created. ValueError for an id that cannot be a clinic's."""
    return await _create_missing(
        kafka=kafka,
        wanted=topics.clinic_with_dead_letters(clinic),
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
    *, kafka: KafkaAccess, wanted: Sequence[tuple[str, int]], replication_factor: int
) -> list[str]:
    admin = AIOKafkaAdminClient(**kafka.client_options(), request_timeout_ms=15000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(name=name, num_partitions=partitions, replication_factor=replication_factor)
            for name, partitions in wanted
            if name not in existing
        ]
        if missing:
            # Another process may create them between list and create: that is the goal.
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(missing)
        return [topic.name for topic in missing]
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
