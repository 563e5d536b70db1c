"""Creates the catalogue's topics on a broker (idempotent)."""

from __future__ import annotations

import contextlib

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from peerlink_shared.topics import Topics


async def ensure_topics(
    *, bootstrap: str, topics: Topics, replication_factor: int = 1
) -> list[str]:
    """Creates missing topics; returns the names it created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
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
