"""Scheduler instances sharing one database, for the race tests: each its own stores and
outbox, as two processes would have."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from peerlink_scheduling.adapters.sessions import SessionRepository
from peerlink_scheduling.adapters.supporters import SupporterRepository
from peerlink_scheduling.bootstrap import session_events, use_cases
from peerlink_scheduling.domain.matching import SessionRequest
from peerlink_scheduling.service_layer.staffing import Staffing
from peerlink_shared.clock import SystemClock
from peerlink_shared.messaging.outbox import Outbox
from peerlink_shared.messaging.topics import Topics
from peerlink_shared.storage.mongo import Database


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


async def raced(
    db: Database,
    topics: Topics,
    *,
    centre: str,
    supporters: Sequence[str],
    sessions: Sequence[SessionRequest],
    rounds: int,
) -> tuple[list[Staffing], Stores]:
    """Two replicas on `db`, the supporters eligible at `centre` and the sessions added; then
    each replica fills every session `rounds` times, all at once."""
    replicas, stores = await scheduler_replicas(db, topics)
    for supporter in supporters:
        await stores.supporters.set_eligible(
            person_id=supporter, centre_id=centre, eligible=True, eligible_from=None
        )
    for session in sessions:
        await stores.sessions.add_session(session, at=datetime.now(UTC))
    await asyncio.gather(
        *(replica.fill(s, correlation_id="race") for s in sessions for replica in replicas * rounds)
    )
    return replicas, stores
