"""Scheduler instances sharing one database, for the race tests: each its own stores and
outbox, as two processes would have."""

from __future__ import annotations

from dataclasses import dataclass

from peerlink_scheduling.adapters.sessions import SessionRepository
from peerlink_scheduling.adapters.supporters import SupporterRepository
from peerlink_scheduling.bootstrap import session_events, use_cases
from peerlink_scheduling.service_layer.staffing import Staffing
from peerlink_shared.clock import SystemClock
from peerlink_shared.mongo import Database
from peerlink_shared.outbox import Outbox
from peerlink_shared.topics import Topics


@dataclass(frozen=True)
class Stores:
    """The stores onto the replicas' database, for setting up and checking."""

    sessions: SessionRepository
    supporters: SupporterRepository


async def scheduler_replicas(
    db: Database, topics: Topics, count: int = 2
) -> tuple[list[Staffing], Stores]:
    """The replicas' staffing, and the stores onto the same database."""
    replicas = []
    for _ in range(count):
        sessions, supporters = SessionRepository(db), SupporterRepository(db)
        await sessions.ensure_indexes()
        await supporters.ensure_indexes()
        outbox = Outbox(db, clock=SystemClock())
        cases = use_cases(
            sessions=sessions,
            supporters=supporters,
            events=session_events(outbox=outbox, topics=topics, clock=SystemClock()),
            clock=SystemClock(),
        )
        replicas.append(cases.staffing)
    return replicas, Stores(SessionRepository(db), SupporterRepository(db))
