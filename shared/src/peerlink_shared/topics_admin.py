"""Creates the catalogue's topics, and each clinic's inbound topics, on a broker (idempotent)."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from peerlink_shared.topics import Topics


async def ensure_topics(
    *, bootstrap: str, topics: Topics, replication_factor: int = 1
) -> list[str]:
    """Creates missing topics; returns the names it created."""
    return await _create_missing(
        bootstrap=bootstrap,
        wanted=topics.all_with_dead_letters(),
        replication_factor=replication_factor,
    )


async def ensure_clinic_topics(
    *, bootstrap: str, topics: Topics, clinic: str, replication_factor: int = 1
) -> list[str]:
    """Creates a clinic's inbound topic and its dead-letter topic if missing; returns the
    names it created. ValueError for an id that cannot be a clinic's. Only the clinic's own
    principal may write the inbound topic: the ACL is granted beside this (docs/security.md).
    """
    return await _create_missing(
        bootstrap=bootstrap,
        wanted=topics.clinic_with_dead_letters(clinic),
        replication_factor=replication_factor,
    )


async def clinic_dead_letter_topics(*, bootstrap: str, topics: Topics) -> list[str]:
    """The clinics' dead-letter topics that exist under this prefix, sorted."""
    pattern = topics.clinic_dead_letters_pattern()
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
    await admin.start()
    try:
        return sorted(name for name in await admin.list_topics() if pattern.match(name))
    finally:
        await admin.close()


async def _create_missing(
    *, bootstrap: str, wanted: Sequence[tuple[str, int]], replication_factor: int
) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
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
