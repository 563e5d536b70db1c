"""The shared consumer against the real servers when a handler keeps failing: an event at
fault is dead-lettered after a bounded number of attempts and its partition moves on; an
outage is waited out without losing the event, and `/ready` says which partition is stuck.

The service here is the shared runtime (broker, inbox, consumer, ops routes) with a handler
the test scripts, on topics of its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from peerlink_devtools.kafka_watch import read_all
from peerlink_shared.contracts import CravingCheckInRecorded
from peerlink_shared.messaging.consumer import route
from peerlink_shared.messaging.envelope import Envelope
from peerlink_shared.messaging.topics import Topics, dead_letter_topic
from peerlink_shared.runtime import ServiceRuntime
from peerlink_shared.settings import ServiceSettings
from peerlink_shared.web.app import create_app
from pymongo.errors import AutoReconnect

from tests.integration.helpers import envelope_for, eventually, in_process, own_topics, publish
from tests.servers import Servers

MAX_ATTEMPTS = 3
STUCK_SECONDS = 1.0
TODAY = datetime.now(UTC).date()


@dataclass
class Script:
    """What the handler does per event id: fail always, or fail as an outage while `away`."""

    defective: set[str] = field(default_factory=set)
    unreachable: set[str] = field(default_factory=set)
    away: bool = False
    calls: list[str] = field(default_factory=list)
    handled: list[str] = field(default_factory=list)

    async def on_check_in(self, envelope: Envelope, _: CravingCheckInRecorded) -> None:
        self.calls.append(envelope.id)
        if envelope.id in self.defective:
            raise ValueError("a defect in handling this one event")
        if envelope.id in self.unreachable and self.away:
            raise AutoReconnect("the database is away")
        self.handled.append(envelope.id)


@pytest.fixture(scope="module")
async def failing_topics(servers: Servers, run_id: str) -> Topics:
    return await own_topics(servers, run_id, "failing")


@pytest.fixture(scope="module")
def script() -> Script:
    return Script()


@pytest.fixture(scope="module")
async def service(
    servers: Servers, failing_topics: Topics, run_id: str, script: Script
) -> AsyncIterator[httpx.AsyncClient]:
    def bootstrap(settings: ServiceSettings) -> FastAPI:
        runtime = ServiceRuntime(service="failing", settings=settings)
        runtime.consumer.subscribe(
            topic=settings.topics.person_events,
            group_id=settings.consumer_group,
            routes=[route(CravingCheckInRecorded, script.on_check_in)],
        )
        return create_app(runtime=runtime, title="failing", routers=[])

    async with in_process(
        bootstrap,
        ServiceSettings,
        servers=servers,
        topics=failing_topics,
        run_id=run_id,
        name="failing",
        consumer_max_attempts=MAX_ATTEMPTS,
        consumer_stuck_seconds=STUCK_SECONDS,
        token_audience="peerlink-failing",
    ) as client:
        yield client


async def until(condition: Callable[[], bool]) -> None:
    async def probe() -> bool:
        return condition()

    await eventually(probe)


def check_in(person_id: str) -> Envelope:
    return envelope_for(
        CravingCheckInRecorded(person_id=person_id, level=1, checked_on=TODAY), subject=person_id
    )


async def test_an_event_its_handler_keeps_failing_is_dead_lettered_and_the_next_is_handled(
    service: httpx.AsyncClient, servers: Servers, failing_topics: Topics, script: Script
) -> None:
    poison, behind = check_in("p-poison"), check_in("p-poison")
    script.defective.add(poison.id)
    await publish(servers.kafka, failing_topics.person_events, poison, behind)

    await until(lambda: behind.id in script.handled)
    assert script.calls.count(poison.id) == MAX_ATTEMPTS
    assert poison.id not in script.handled
    # In order: every attempt at the poison came before the event behind it.
    assert script.calls.index(behind.id) > max(
        n for n, event_id in enumerate(script.calls) if event_id == poison.id
    )
    records = await read_all(
        servers.kafka, [dead_letter_topic(failing_topics.person_events)], idle_seconds=0.5
    )
    (letter,) = [r for r in records if r.key == b"p-poison"]
    assert letter.value == poison.model_dump_json().encode()
    assert letter.headers["x-dlq-reason-code"] == "handler_failed"
    assert letter.headers["x-dlq-reason"] == f"ValueError after {MAX_ATTEMPTS} attempts"
    assert letter.headers["x-dlq-attempts"] == str(MAX_ATTEMPTS)
    assert letter.headers["x-original-topic"] == failing_topics.person_events


async def test_an_outage_is_waited_out_past_the_attempts_and_ready_says_where(
    service: httpx.AsyncClient, servers: Servers, failing_topics: Topics, script: Script
) -> None:
    waiting, behind = check_in("p-outage"), check_in("p-outage")
    script.unreachable.add(waiting.id)
    script.away = True
    await publish(servers.kafka, failing_topics.person_events, waiting, behind)

    async def stuck_partitions() -> dict[str, Any] | None:
        response = await service.get("/ready")
        body: dict[str, Any] = response.json()
        return body if response.status_code == 503 and body["stuck"] else None

    stuck = await eventually(stuck_partitions)
    assert (stuck["status"], stuck["consumers"]) == ("not_ready", False)
    (partition,) = stuck["stuck"]
    assert partition["topic"] == failing_topics.person_events
    assert partition["why"] == "waiting for infrastructure: AutoReconnect"
    assert partition["failing_seconds"] >= STUCK_SECONDS  # rounded to 0.1 s
    # Still held past the attempts a defective event gets: an outage is not the event's fault.
    await until(lambda: script.calls.count(waiting.id) > MAX_ATTEMPTS)
    assert behind.id not in script.calls

    script.away = False

    async def ready() -> httpx.Response | None:
        response = await service.get("/ready")
        return response if response.status_code == 200 else None

    assert (await eventually(ready)).json()["stuck"] == []
    await until(lambda: behind.id in script.handled)
    assert script.handled.index(waiting.id) < script.handled.index(behind.id)
    records = await read_all(
        servers.kafka, [dead_letter_topic(failing_topics.person_events)], idle_seconds=0.5
    )
    assert [r for r in records if r.key == b"p-outage"] == []
