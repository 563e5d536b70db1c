"""Erasure across the whole network, four processes on the real servers: a supporter with
facts, a decision, a booking on a future session, a contact address and messages asks to be
forgotten; every service confirms; then no database and no log holds anything of theirs but
tombstone ids, the session is staffed by someone else, another supporter is untouched, and
every topic read from the beginning (dead-letter topics included) holds nothing readable
about them: their facts and decisions are there only sealed under a key that no longer exists.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta

import pytest
from peerlink_devtools.kafka_watch import read_all, wait_for_zero_lag
from peerlink_devtools.processes import SERVICES, Network, consumer_groups
from peerlink_devtools.scenario import (
    Api,
    Headers,
    enrol_graduate,
    record_year_sober,
    register_centre,
    wait_for_messages,
)
from peerlink_devtools.sealed import NetworkEvents
from peerlink_shared.messaging.topics import Topics, dead_letter_topic
from peerlink_shared.security.auth import Role
from peerlink_shared.storage.mongo import Database, make_mongo_client

from tests.e2e.network import api_for, open_session, suite_topics
from tests.erasure_traces import leftovers, traces
from tests.integration.helpers import eventually
from tests.servers import Servers

pytestmark = pytest.mark.e2e
TODAY = datetime.now(UTC).date()


@pytest.fixture(scope="module")
async def topics(servers: Servers, run_id: str) -> AsyncIterator[Topics]:
    """Topics and databases of this module's own (the suite's network runs on them): the
    search below reads whole databases, which must hold nothing of another test's people."""
    async with suite_topics(servers, run_id, "erasure-e2e") as names:
        yield names


def ok(response_status: int, expected: int, text: str) -> None:
    assert response_status == expected, text


async def second_graduate(api: Api, *, centre_id: str, coordinator: Headers) -> str:
    """Another supporter, with dates of their own (so a search for the first one's dates
    cannot find theirs), eligible from today."""
    created = await api.call("POST", "intake", f"/centres/{centre_id}/persons", headers=coordinator)
    person_id = str(created.json()["person_id"])
    base = f"/centres/{centre_id}/persons/{person_id}"
    supporter = api.token(role=Role.SUPPORTER, centre=centre_id, subject=person_id)
    for path, body, who in (
        ("admissions", {"admitted_on": str(TODAY - timedelta(days=900))}, coordinator),
        (
            "programme-ends",
            {"ended_on": str(TODAY - timedelta(days=820)), "outcome": "completed"},
            coordinator,
        ),
        ("volunteering", {"volunteering": True, "changed_on": str(TODAY)}, supporter),
        ("craving-check-ins", {"level": 1, "checked_on": str(TODAY)}, supporter),
        (
            "sobriety-milestones",
            {
                "sober_since": str(TODAY - timedelta(days=600)),
                "days": 600,
                "recorded_on": str(TODAY),
            },
            coordinator,
        ),
    ):
        response = await api.call("POST", "intake", f"{base}/{path}", headers=who, json=body)
        ok(response.status_code, 202, response.text)
    return person_id


async def test_an_erased_person_leaves_nothing_but_tombstone_ids(
    network: Network, servers: Servers, topics: Topics, run_id: str
) -> None:
    api = api_for(network)
    try:
        centre_id = f"centre-{secrets.token_hex(3)}"
        coordinator = api.token(role=Role.COORDINATOR, centre=centre_id, subject="coordinator-1")
        await register_centre(
            api, centre_id=centre_id, name="Harbour House", coordinator=coordinator
        )
        gone = await enrol_graduate(
            api, centre_id=centre_id, coordinator=coordinator, today=TODAY, say=lambda _: None
        )
        own = api.token(role=Role.SUPPORTER, centre=centre_id, subject=gone)
        address = f"canary-{secrets.token_hex(4)}@example.org"
        saved = await api.call(
            "PUT",
            "notifications",
            f"/persons/{gone}/contact",
            headers=own,
            json={"email": address, "consent": ["email"]},
        )
        ok(saved.status_code, 200, saved.text)
        starts_at = datetime.combine(TODAY + timedelta(days=3), time(10), tzinfo=UTC)
        session = await open_session(
            api, centre_id=centre_id, headers=coordinator, starts_at=starts_at, minutes=90
        )
        session_id = session["session_id"]
        await record_year_sober(
            api,
            centre_id=centre_id,
            person_id=gone,
            coordinator=coordinator,
            today=TODAY,
            key=f"milestone-{secrets.token_hex(3)}",
        )
        await wait_for_messages(api, person_id=gone, headers=own, at_least=1, timeout=90)
        assert await supporters_of(api, centre_id, session_id, coordinator) == [gone]

        # Someone else qualifies later: the session is full, so they are not booked yet.
        kept = await second_graduate(api, centre_id=centre_id, coordinator=coordinator)

        async def kept_eligible() -> bool:
            path = f"/centres/{centre_id}/persons/{kept}/decision"
            decision = await api.call("GET", "eligibility", path, headers=coordinator)
            return decision.status_code == 200 and decision.json()["eligible"] is True

        await eventually(kept_eligible, timeout=60)

        ops = api.token(role=Role.OPS, centre="*", subject="ops-1", reason="DPO-311 erasure")
        accepted = await api.call(
            "POST",
            "intake",
            f"/persons/{gone}/erasure",
            headers=ops,
            json={"reason": "GDPR Art. 17 request, ticket DPO-311"},
        )
        ok(accepted.status_code, 202, accepted.text)

        async def done() -> dict[str, object] | None:
            status = await api.call("GET", "intake", f"/persons/{gone}/erasure", headers=ops)
            found: dict[str, object] = status.json()
            return found if found["status"] == "done" else None

        finished = await eventually(done, timeout=90)
        services = finished["services"]
        assert isinstance(services, list)
        assert [s["service"] for s in services] == list(SERVICES)
        deleted = {s["service"]: s["deleted"] for s in services}
        assert deleted["intake"]["facts"] >= 5
        assert deleted["eligibility"]["decisions"] == 1
        assert deleted["scheduling"]["eligible"] == 1
        assert deleted["notifications"]["contacts"] == 1
        assert deleted["notifications"]["messages"] >= 1

        # The future session is staffed again, by the normal path, with the other supporter.
        async def restaffed() -> bool:
            return await supporters_of(api, centre_id, session_id, coordinator) == [kept]

        await eventually(restaffed, timeout=60)
        groups = consumer_groups(network.topic_prefix, topics)
        await wait_for_zero_lag(servers.kafka, groups, timeout=90)

        # Every collection of every service's database: their id, their address and their
        # health values (the dates of their admission, completion and sobriety) appear
        # nowhere but in tombstones.
        needles = [
            gone,
            address,
            str(TODAY - timedelta(days=730)),
            str(TODAY - timedelta(days=640)),
            str(TODAY - timedelta(days=365)),
        ]
        client = make_mongo_client(servers.mongo_url)
        try:
            for service in SERVICES:
                db = client[f"{run_id}_erasure_e2e_peerlink_{service}"]

                async def clean(db: Database = db) -> bool:
                    found = await traces(db, needles)
                    return leftovers(found, person_id=gone) == {}

                try:
                    await eventually(clean, timeout=20)
                except TimeoutError:
                    found = leftovers(await traces(db, needles), person_id=gone)
                    pytest.fail(f"{service} still holds data about the person: {found}")
            # The other supporter is untouched.
            intake_db = client[f"{run_id}_erasure_e2e_peerlink_intake"]
            assert (
                await intake_db["facts"].count_documents({"person_id": kept}) == 6
            )  # registered + five
        finally:
            await client.close()
        mine = api.token(role=Role.SUPPORTER, centre=centre_id, subject=kept)
        assert await wait_for_messages(api, person_id=kept, headers=mine, at_least=1, timeout=30)

        # Every topic from the beginning: nothing of theirs in clear, and what was theirs
        # (facts, decisions) is sealed under their key, which no longer opens anything.
        await nothing_readable_on_the_topics(network, servers, topics, gone, needles[1:])

        # And nothing of theirs but their id ever reached a log line.
        for path in sorted(network.log_dir.glob("*.log")):
            text = path.read_text()
            for needle in needles[1:]:
                assert needle not in text, f"{path.name} logs {needle!r}"
    finally:
        await api.close()


async def supporters_of(
    api: Api, centre_id: str, session_id: str, coordinator: Headers
) -> list[str]:
    sessions = (
        await api.call("GET", "scheduling", f"/centres/{centre_id}/sessions", headers=coordinator)
    ).json()
    (session,) = [s for s in sessions if s["session_id"] == session_id]
    return [a["supporter_id"] for a in session["assignments"]]


async def nothing_readable_on_the_topics(
    network: Network, servers: Servers, topics: Topics, person_id: str, values: list[str]
) -> None:
    names = [name for name, _ in topics.all_with_dead_letters()]
    records = await read_all(servers.kafka, names, idle_seconds=2.0)
    theirs = [r for r in records if r.key == person_id.encode()]
    # The health facts and the decisions (and their dead-letter copies) are sealed; the
    # erasure's own events hold ids, a role and a stated reason only.
    health = {topics.person_events, topics.eligibility_changes}
    health |= {dead_letter_topic(name) for name in health}
    events = NetworkEvents(network)
    try:
        sealed = 0
        for record in records:
            text = record.value.decode(errors="replace")
            for value in values:
                assert value not in text, f"{record.topic} holds {value!r} in clear"
        for record in theirs:
            if record.topic not in health:
                continue
            event = json.loads(record.value)
            assert event.get("personkeyid"), f"{event['type']} on {record.topic} is not sealed"
            assert set(event["data"]) - {"sealed"} <= {"person_id", "centre_id"}, event["data"]
            # The network's own vault, as every service reads it: the key is gone.
            assert await events.event(record.value) is None, f"{event['type']} still opens"
            sealed += 1
        # They had facts and a decision: the check above really looked at something.
        assert sealed >= 6, f"only {sealed} sealed events of theirs on the topics"
    finally:
        await events.close()
