"""The whole network as four processes on the real servers: admission to notification."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from peerlink_devtools.kafka_watch import read_all, wait_for_zero_lag
from peerlink_devtools.processes import Network
from peerlink_devtools.replay import find_event, republish
from peerlink_devtools.scenario import Api, play, wait_for_messages
from peerlink_shared.auth import Role
from peerlink_shared.topics import Topics

from tests.servers import Servers

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def network(
    servers: Servers, topics: Topics, run_id: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Network]:
    running = Network(
        kafka_bootstrap=servers.kafka_bootstrap,
        mongo_url=servers.mongo_url,
        log_dir=tmp_path_factory.mktemp("service-logs"),
        topic_prefix=topics.prefix,
        database_suffix=f"_{run_id}_e2e",
    )
    running.start_all()
    yield running
    codes = running.stop_all()
    # uvicorn drains, then re-raises SIGTERM so the exit status says why it stopped.
    assert set(codes.values()) <= {0, -15}, f"services did not stop cleanly on SIGTERM: {codes}"
    for name in codes:
        log = (running.log_dir / f"{name}.log").read_text()
        assert '"event": "service_stopped"' in log, f"{name} did not drain on SIGTERM"


def groups(network: Network, topics: Topics) -> dict[str, list[str]]:
    prefix = network.topic_prefix
    return {
        f"{prefix}peerlink-eligibility": [topics.person_events],
        f"{prefix}peerlink-scheduling": [topics.eligibility_changes],
        f"{prefix}peerlink-notifications": [topics.session_events, topics.centre_events],
    }


async def test_a_milestone_fills_a_session_and_tells_the_supporter_once(
    network: Network, servers: Servers, topics: Topics
) -> None:
    api = Api({name: network.url(name) for name in network.processes}, network.token_secret)
    steps: list[str] = []
    try:
        result = await play(api, say=steps.append, today=datetime.now(UTC).date(), wait_seconds=90)
        (message,) = result.messages
        assert str(message["text"]).startswith("You're booked for a session at Harbour House on ")

        coordinator = api.token(role=Role.COORDINATOR, centre=result.centre_id, subject="c-1")
        (session,) = (
            await api.call(
                "GET", "scheduling", f"/centres/{result.centre_id}/sessions", headers=coordinator
            )
        ).json()
        assert [a["supporter_id"] for a in session["assignments"]] == [result.person_id]

        # The clinic retries over HTTP, and Kafka redelivers every event of the flow.
        again = await api.call(
            "POST",
            "intake",
            f"/centres/{result.centre_id}/persons/{result.person_id}/sobriety-milestones",
            headers={**coordinator, "Idempotency-Key": result.milestone_key},
            json=result.milestone_body,
        )
        assert again.json() == {
            **again.json(),
            "duplicate": True,
            "event_id": result.milestone_event_id,
        }
        milestone = await find_event(
            servers.kafka_bootstrap, topics.person_events, result.milestone_event_id
        )
        await republish(servers.kafka_bootstrap, milestone, times=2)
        for record in await read_all(
            servers.kafka_bootstrap, [topics.eligibility_changes, topics.session_events]
        ):
            if record.key in {result.person_id.encode(), result.session_id.encode()}:
                await republish(servers.kafka_bootstrap, record)
        await wait_for_zero_lag(servers.kafka_bootstrap, groups(network, topics), timeout=90)

        supporter = api.token(
            role=Role.SUPPORTER, centre=result.centre_id, subject=result.person_id
        )
        messages = await wait_for_messages(
            api, person_id=result.person_id, headers=supporter, at_least=1, timeout=5
        )
        assert len(messages) == 1
        (session,) = (
            await api.call(
                "GET", "scheduling", f"/centres/{result.centre_id}/sessions", headers=coordinator
            )
        ).json()
        assert len(session["assignments"]) == 1
    finally:
        await api.close()


def test_services_log_json_lines_with_event_and_correlation_ids(network: Network) -> None:
    handled = []
    for path in Path(network.log_dir).glob("*.log"):
        for line in path.read_text().splitlines():
            entry = json.loads(line)  # every line is JSON, or this fails
            if entry.get("event") == "event_handled":
                handled.append(entry)
    assert handled
    assert all(
        entry["event_id"] and entry["correlation_id"] and entry["service"] for entry in handled
    )
