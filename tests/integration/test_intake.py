"""Intake against the real servers: facts recorded once, published keyed by person id."""

from __future__ import annotations

import json

import httpx
import pytest
from peerlink_devtools.kafka_watch import read_all
from peerlink_intake.bootstrap import bootstrap
from peerlink_intake.settings import IntakeSettings
from peerlink_shared.messaging.topics import Topics
from peerlink_shared.security.auth import Role

from tests.integration.helpers import (
    as_event,
    eventually,
    headers,
    opened,
    register_centres,
    served,
)
from tests.servers import Servers

CENTRE = "harbour"
CANARY = "CANARY-Jane-Doe"


async def with_centre(intake: httpx.AsyncClient) -> None:
    await register_centres(
        intake,
        CENTRE,
        caller=headers(Role.COORDINATOR, CENTRE),
        name="Harbour House",
        region="north",
        timezone="Europe/Dublin",
    )


intake = served(bootstrap, IntakeSettings, name="intake", then=with_centre)


async def new_person(client: httpx.AsyncClient) -> str:
    response = await client.post(
        f"/centres/{CENTRE}/persons", headers=headers(Role.COORDINATOR, CENTRE)
    )
    assert response.status_code == 201
    person_id: str = response.json()["person_id"]
    return person_id


async def events_with_id(servers: Servers, topic: str, event_id: str) -> list[dict[str, object]]:
    found = []
    for record in await read_all(servers.kafka, [topic], idle_seconds=0.5):
        event = as_event(record.value)
        if event is not None and event["id"] == event_id:
            event = await opened(servers, event)
            found.append({**event, "_key": record.key.decode() if record.key else None})
    return found


async def test_a_fact_is_published_once_keyed_by_person(
    intake: httpx.AsyncClient, servers: Servers, topics: Topics
) -> None:
    person_id = await new_person(intake)
    response = await intake.post(
        f"/centres/{CENTRE}/persons/{person_id}/admissions",
        json={"admitted_on": "2025-01-02"},
        headers=headers(Role.CLINIC_SYSTEM, CENTRE),
    )
    assert response.status_code == 202, response.text
    event_id = response.json()["event_id"]

    async def published() -> list[dict[str, object]] | None:
        return await events_with_id(servers, topics.person_events, event_id) or None

    (event,) = await eventually(published)
    assert event["_key"] == person_id
    assert event["type"] == "peerlink.person.admission-recorded.v1"
    assert event["subject"] == person_id
    assert event["specversion"] == "1.0"
    assert event["data"] == {
        "person_id": person_id,
        "centre_id": CENTRE,
        "admitted_on": "2025-01-02",
    }


async def test_the_same_idempotency_key_records_once(
    intake: httpx.AsyncClient, servers: Servers, topics: Topics
) -> None:
    person_id = await new_person(intake)
    request = {
        "url": f"/centres/{CENTRE}/persons/{person_id}/relapses",
        "json": {"relapsed_on": "2025-06-01"},
        "headers": {**headers(Role.COORDINATOR, CENTRE), "Idempotency-Key": "retry-1"},
    }
    first, second = await intake.post(**request), await intake.post(**request)  # type: ignore[arg-type]
    assert (first.status_code, second.status_code) == (202, 202)
    assert first.json()["event_id"] == second.json()["event_id"]
    assert (first.json()["duplicate"], second.json()["duplicate"]) == (False, True)

    async def published() -> list[dict[str, object]] | None:
        return await events_with_id(servers, topics.person_events, first.json()["event_id"]) or None

    assert len(await eventually(published)) == 1


async def test_the_centre_is_published(
    intake: httpx.AsyncClient, servers: Servers, topics: Topics
) -> None:
    records = await read_all(servers.kafka, [topics.centre_events], idle_seconds=0.5)
    centres = [
        json.loads(record.value)["data"] for record in records if record.key == CENTRE.encode()
    ]
    assert centres[-1]["display_name"] == "Harbour House"


@pytest.mark.parametrize(
    ("role", "centre", "status"),
    [(None, CENTRE, 401), (Role.COORDINATOR, "elsewhere", 403), (Role.SUPPORTER, CENTRE, 403)],
    ids=["no token", "another centre", "wrong role"],
)
async def test_callers_are_checked(
    intake: httpx.AsyncClient, role: Role | None, centre: str, status: int
) -> None:
    person_id = await new_person(intake)
    response = await intake.post(
        f"/centres/{CENTRE}/persons/{person_id}/admissions",
        json={"admitted_on": "2025-01-02"},
        headers=headers(role, centre) if role else {},
    )
    assert response.status_code == status


async def test_invalid_input_names_the_field_without_echoing_it(intake: httpx.AsyncClient) -> None:
    person_id = await new_person(intake)
    response = await intake.post(
        f"/centres/{CENTRE}/persons/{person_id}/programme-ends",
        json={"ended_on": CANARY, "outcome": "completed", "diagnosis": CANARY},
        headers=headers(Role.COORDINATOR, CENTRE),
    )
    assert response.status_code == 422
    locations = [tuple(item["loc"]) for item in response.json()["detail"]]
    assert ("body", "ended_on") in locations
    assert ("body", "diagnosis") in locations
    assert CANARY not in response.text


async def test_a_future_date_is_refused(intake: httpx.AsyncClient) -> None:
    person_id = await new_person(intake)
    response = await intake.post(
        f"/centres/{CENTRE}/persons/{person_id}/admissions",
        json={"admitted_on": "2999-01-01"},
        headers=headers(Role.COORDINATOR, CENTRE),
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "admitted_on"]


async def test_an_unknown_person_is_404(intake: httpx.AsyncClient) -> None:
    response = await intake.post(
        f"/centres/{CENTRE}/persons/p-unknown/admissions",
        json={"admitted_on": "2025-01-02"},
        headers=headers(Role.COORDINATOR, CENTRE),
    )
    assert response.status_code == 404


async def test_ops_routes(intake: httpx.AsyncClient) -> None:
    assert (await intake.get("/health")).json() == {"status": "alive"}
    ready = await intake.get("/ready")
    assert (ready.status_code, ready.json()) == (
        200,
        {"status": "ready", "kafka": True, "mongo": True, "consumers": True, "stuck": []},
    )
    metrics = (await intake.get("/metrics")).text
    assert "peerlink_events_published_total" in metrics


async def test_another_centre_cannot_alter_this_centres_people(intake: httpx.AsyncClient) -> None:
    person_id = await new_person(intake)
    elsewhere = {
        "centre_id": "elsewhere",
        "display_name": "Elsewhere",
        "region": "x",
        "timezone": "UTC",
    }
    other = headers(Role.COORDINATOR, "elsewhere")
    assert (
        await intake.put("/centres/elsewhere", json=elsewhere, headers=other)
    ).status_code == 200
    relapse = await intake.post(
        f"/centres/elsewhere/persons/{person_id}/relapses",
        json={"relapsed_on": "2025-01-01"},
        headers=other,
    )
    assert relapse.status_code == 403
    # Nor does admitting them link the centre: only a referral it accepts, or the person's
    # consent (tests/integration/test_links_and_sharing.py).
    admitted = await intake.post(
        f"/centres/elsewhere/persons/{person_id}/admissions",
        json={"admitted_on": "2025-02-01"},
        headers=other,
    )
    assert admitted.status_code == 403
    assert "not linked" in admitted.json()["detail"]
    relapse = await intake.post(
        f"/centres/elsewhere/persons/{person_id}/relapses",
        json={"relapsed_on": "2025-03-01"},
        headers=other,
    )
    assert relapse.status_code == 403


async def test_registration_is_published_as_the_home_link(
    intake: httpx.AsyncClient, servers: Servers, topics: Topics
) -> None:
    person_id = await new_person(intake)

    async def registered() -> list[dict[str, object]] | None:
        records = await read_all(servers.kafka, [topics.person_events], idle_seconds=0.5)
        events = [as_event(r.value) for r in records if r.key == person_id.encode()]
        found = [e for e in events if e and e["type"] == "peerlink.person.registered.v1"]
        return [await opened(servers, e) for e in found] or None

    (event,) = await eventually(registered)
    assert event["data"] == {
        "person_id": person_id,
        "centre_id": CENTRE,
        "registered_on": str(event["time"])[:10],
    }


async def test_an_idempotency_key_reused_for_a_different_fact_is_a_conflict(
    intake: httpx.AsyncClient,
) -> None:
    person_id = await new_person(intake)
    url = f"/centres/{CENTRE}/persons/{person_id}/relapses"
    same_key = {**headers(Role.COORDINATOR, CENTRE), "Idempotency-Key": "k-1"}
    assert (
        await intake.post(url, json={"relapsed_on": "2025-06-01"}, headers=same_key)
    ).status_code == 202
    changed = await intake.post(url, json={"relapsed_on": "2025-06-02"}, headers=same_key)
    assert changed.status_code == 409


@pytest.mark.parametrize("bad_id", ["Jane%20Doe", "p.1", "%24gt"])
async def test_ids_in_paths_are_opaque(intake: httpx.AsyncClient, bad_id: str) -> None:
    response = await intake.post(
        f"/centres/{CENTRE}/persons/{bad_id}/relapses",
        json={"relapsed_on": "2025-06-01"},
        headers=headers(Role.COORDINATOR, CENTRE),
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "person_id"]
    assert "Jane" not in response.text
