"""The four services as processes on the real servers, for the end-to-end and browser suites:
starting and stopping them, an `Api` on them, and the session most of their tests ask for."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import AbstractAsyncContextManager, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from peerlink_devtools.processes import Network
from peerlink_devtools.scenario import Api, Headers
from peerlink_shared.messaging.topics import Topics

from tests.servers import Servers, provisioned


def suite_topics(servers: Servers, run_id: str, suite: str) -> AbstractAsyncContextManager[Topics]:
    """One suite's topics (`<run>-<suite>-`) and databases (`<run>_<suite>_`), apart from every
    other suite's: the services read every topic from the beginning, so on shared topics they
    would take in everything another suite left (its graduates would staff these sessions)."""
    topic_prefix = f"{run_id}-{suite}-"
    return provisioned(
        servers, topic_prefix=topic_prefix, database_prefix=databases_of(topic_prefix)
    )


def databases_of(topic_prefix: str) -> str:
    return topic_prefix.replace("-", "_")


@contextmanager
def started_network(
    servers: Servers, topics: Topics, *, log_dir: Path, extra_env: Mapping[str, str] | None = None
) -> Iterator[Network]:
    """The services on a suite's `topics` and databases, stopped on the way out (stopping them
    again does nothing, so a test or a fixture may have stopped them first)."""
    running = Network(
        kafka=servers.kafka,
        mongo_url=servers.mongo_url,
        log_dir=log_dir,
        topic_prefix=topics.prefix,
        database_prefix=databases_of(topics.prefix),
        extra_env=dict(extra_env or {}),
    )
    running.start_all()
    try:
        yield running
    finally:
        running.stop_all()


def api_for(network: Network) -> Api:
    """Calls the services that are running now, with tokens they accept."""
    return Api({name: network.url(name) for name in network.processes}, network.token_secret)


async def open_session(
    api: Api, *, centre_id: str, headers: Headers, starts_at: datetime, minutes: int = 60
) -> dict[str, Any]:
    """A group session the coordinator in `headers` asks for: scheduling's 201 body."""
    created = await api.call(
        "POST",
        "scheduling",
        f"/centres/{centre_id}/sessions",
        headers=headers,
        json={"starts_at": starts_at.isoformat(), "duration_minutes": minutes},
    )
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body
