"""Scheduler instances sharing one database, for the race tests: each its own repository
and outbox, as two processes would have."""

from __future__ import annotations

from peerlink_scheduling.adapters.repository import SchedulingRepository
from peerlink_scheduling.handlers import SchedulingHandlers
from peerlink_shared.clock import SystemClock
from peerlink_shared.mongo import Database
from peerlink_shared.outbox import Outbox
from peerlink_shared.topics import Topics


async def scheduler_replicas(
    db: Database, topics: Topics, count: int = 2
) -> tuple[list[SchedulingHandlers], SchedulingRepository]:
    """The replicas, and a repository onto the same database for setting up and checking."""
    replicas = []
    for _ in range(count):
        repository = SchedulingRepository(db)
        await repository.ensure_indexes()
        outbox = Outbox(db, clock=SystemClock())
        replicas.append(
            SchedulingHandlers(
                repository=repository, outbox=outbox, topics=topics, clock=SystemClock()
            )
        )
    return replicas, SchedulingRepository(db)
