"""The audit trail against the real servers: who read or changed which person's data, with
what outcome, as ops finds it through `GET /audit` — and never the data itself."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from peerlink_eligibility.bootstrap import bootstrap as eligibility_app
from peerlink_eligibility.settings import EligibilitySettings
from peerlink_intake.bootstrap import bootstrap as intake_app
from peerlink_intake.settings import IntakeSettings
from peerlink_shared.contracts import (
    CravingCheckInRecorded,
    ProgrammeEnded,
    RelapseRecorded,
    SobrietyMilestoneRecorded,
    VolunteeringChanged,
)
from peerlink_shared.messaging.topics import Topics
from peerlink_shared.security.auth import Role
from peerlink_shared.storage.mongo import make_mongo_client

from tests.integration.helpers import (
    clinic_topic,
    envelope_for,
    eventually,
    headers,
    publish,
    register_centres,
    served,
)
from tests.servers import Servers

CENTRE = "lighthouse"
TODAY = datetime.now(UTC).date()
OPS_REASON = "INC-3141 supporter asks why no session"
DECISION_ROUTE = "GET /centres/{centre_id}/persons/{person_id}/decision"


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


def ops(subject: str = "ops-auditor") -> dict[str, str]:
    return headers(Role.OPS, "*", subject)


eligibility = served(eligibility_app, EligibilitySettings, name="audit-eligibility")


async def with_centre(intake: httpx.AsyncClient) -> None:
    coordinator = headers(Role.COORDINATOR, CENTRE)
    await register_centres(intake, CENTRE, caller=coordinator, name="L", region="west")


intake = served(intake_app, IntakeSettings, name="audit-intake", then=with_centre)


async def decided_person(eligibility: httpx.AsyncClient, servers: Servers, topics: Topics) -> str:
    """A person eligibility has decided on, waited for with a poller's own token."""
    person_id = unique("p-audit")
    facts = [
        SobrietyMilestoneRecorded(
            person_id=person_id,
            sober_since=TODAY - timedelta(days=400),
            days=400,
            recorded_on=TODAY,
        ),
        ProgrammeEnded(
            person_id=person_id, centre_id=CENTRE, ended_on=date(2024, 1, 1), outcome="completed"
        ),
        VolunteeringChanged(person_id=person_id, volunteering=True, changed_on=TODAY),
        CravingCheckInRecorded(person_id=person_id, level=1, checked_on=TODAY),
    ]
    await publish(
        servers.kafka,
        topics.person_events,
        *(envelope_for(fact, subject=person_id) for fact in facts),
    )
    poller = headers(Role.COORDINATOR, CENTRE, "poller")

    async def decided() -> bool:
        path = f"/centres/{CENTRE}/persons/{person_id}/decision"
        return (await eligibility.get(path, headers=poller)).status_code == 200

    await eventually(decided)
    return person_id


async def trail(client: httpx.AsyncClient, **query: str) -> list[dict[str, Any]]:
    response = await client.get("/audit", params=query, headers=ops())
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()["entries"]
    return entries


async def test_a_coordinators_read_of_a_decision_is_recorded(
    eligibility: httpx.AsyncClient, servers: Servers, topics: Topics
) -> None:
    person_id = await decided_person(eligibility, servers, topics)
    coordinator = unique("coordinator")
    read = await eligibility.get(
        f"/centres/{CENTRE}/persons/{person_id}/decision",
        headers={**headers(Role.COORDINATOR, CENTRE, coordinator), "X-Request-Id": "req-audit-1"},
    )
    assert read.status_code == 200
    [entry] = await trail(eligibility, person_id=person_id, actor=coordinator)
    assert entry["actor"] == {"subject": coordinator, "role": "coordinator", "centre": CENTRE}
    assert (entry["action"], entry["person_ids"], entry["centre_id"]) == (
        DECISION_ROUTE,
        [person_id],
        CENTRE,
    )
    assert (entry["status"], entry["outcome"], entry["service"], entry["channel"]) == (
        200,
        "accepted",
        "eligibility",
        "http",
    )
    assert entry["request_id"] == "req-audit-1"
    assert abs(datetime.fromisoformat(entry["at"]) - datetime.now(UTC)) < timedelta(minutes=1)
    # The entry says who read which person's decision, never what it said.
    assert "reasons" not in entry
    assert "eligible" not in entry


async def test_refused_and_anonymous_attempts_are_recorded(
    eligibility: httpx.AsyncClient,
) -> None:
    person_id = unique("p-other")
    path = f"/centres/{CENTRE}/persons/{person_id}/decision"
    intruder = unique("coordinator-elsewhere")
    refused = await eligibility.get(path, headers=headers(Role.COORDINATOR, "elsewhere", intruder))
    anonymous = await eligibility.get(path, headers={"Authorization": "Bearer forged"})
    assert (refused.status_code, anonymous.status_code) == (403, 401)
    newest, older = await trail(eligibility, person_id=person_id)
    assert (older["actor"]["subject"], older["actor"]["centre"]) == (intruder, "elsewhere")
    assert (older["status"], older["outcome"]) == (403, "refused")
    assert newest["actor"] == {"subject": "anonymous", "role": "anonymous", "centre": None}
    assert newest["status"] == 401


async def test_ops_reaches_a_persons_data_only_with_a_stated_reason(
    eligibility: httpx.AsyncClient, servers: Servers, topics: Topics
) -> None:
    person_id = await decided_person(eligibility, servers, topics)
    subject = unique("ops")
    path = f"/persons/{person_id}/decisions"
    without = await eligibility.get(path, headers=ops(subject))
    assert without.status_code == 403
    assert "X-Access-Reason" in without.json()["detail"]
    with_reason = await eligibility.get(
        path, headers=headers(Role.OPS, "*", subject, reason=OPS_REASON)
    )
    assert with_reason.status_code == 200
    assert [d["person_id"] for d in with_reason.json()] == [person_id]
    allowed, refused = await trail(eligibility, actor=subject)
    assert (refused["status"], refused["access_reason"]) == (403, None)
    assert (allowed["status"], allowed["access_reason"]) == (200, OPS_REASON)
    assert allowed["action"] == "GET /persons/{person_id}/decisions"
    # Ops tooling is no person's data: no reason asked.
    assert (await eligibility.get(f"/centres/{CENTRE}/policy", headers=ops())).status_code == 200


async def test_paging_returns_every_entry_once(eligibility: httpx.AsyncClient) -> None:
    person_id = unique("p-paged")
    reader = unique("reader")
    since = datetime.now(UTC) - timedelta(seconds=1)
    path = f"/centres/{CENTRE}/persons/{person_id}/decision"
    for _ in range(23):
        response = await eligibility.get(path, headers=headers(Role.COORDINATOR, CENTRE, reader))
        # Not this centre's person (no such person, even): one answer for both.
        assert response.status_code == 403
    until = datetime.now(UTC) + timedelta(seconds=1)
    seen: list[str] = []
    pages = 0
    cursor: str | None = None
    while True:
        query = {"actor": reader, "limit": "5", "since": since.isoformat()}
        query["until"] = until.isoformat()
        if cursor is not None:
            query["cursor"] = cursor
        response = await eligibility.get("/audit", params=query, headers=ops())
        assert response.status_code == 200, response.text
        page = response.json()
        pages += 1
        assert len(page["entries"]) <= 5
        seen.extend(entry["entry_id"] for entry in page["entries"])
        assert all(entry["person_ids"] == [person_id] for entry in page["entries"])
        cursor = page["next"]
        if cursor is None:
            break
    assert len(seen) == 23
    assert len(set(seen)) == 23
    assert seen == sorted(seen, reverse=True)
    assert pages == 5
    later = await trail(eligibility, actor=reader, since=until.isoformat())
    assert later == []


@pytest.mark.parametrize(
    ("role", "centre", "expected"),
    [
        (Role.COORDINATOR, CENTRE, 403),
        (Role.SUPPORTER, CENTRE, 403),
        (Role.CLINIC_SYSTEM, CENTRE, 403),
        (Role.OPS, CENTRE, 403),
    ],
)
async def test_only_network_ops_read_the_trail(
    eligibility: httpx.AsyncClient, role: Role, centre: str, expected: int
) -> None:
    response = await eligibility.get("/audit", headers=headers(role, centre))
    assert response.status_code == expected
    assert "entries" not in response.text
    assert (await eligibility.get("/audit")).status_code == 401


@pytest.mark.parametrize(
    ("case", "query"),
    [
        ("no entries", {"limit": "0"}),
        ("too many entries", {"limit": "501"}),
        ("a word for a limit", {"limit": "many"}),
        ("an operator for a person", {"person_id": "$gt"}),
        ("an over-long person id", {"person_id": "p" * 65}),
        ("a space in an actor", {"actor": "jane doe"}),
        ("a time without its offset", {"since": "2026-01-01T00:00:00"}),
        ("not a time", {"until": "yesterday"}),
        (
            "a range that runs backwards",
            {"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
        ),
        ("a made-up cursor", {"cursor": "../../etc"}),
        ("an unknown parameter", {"person": "p-1"}),
    ],
)
async def test_bad_audit_queries_are_refused(
    eligibility: httpx.AsyncClient, case: str, query: dict[str, str]
) -> None:
    response = await eligibility.get("/audit", params=query, headers=ops())
    assert response.status_code == 422, (case, response.text)
    assert response.json()["detail"][0]["loc"][0] == "query", case


async def test_the_audit_route_is_documented(eligibility: httpx.AsyncClient) -> None:
    operation = (await eligibility.get("/openapi.json")).json()["paths"]["/audit"]["get"]
    assert {"200", "401", "403", "422"} <= set(operation["responses"])
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert names == {"person_id", "actor", "since", "until", "cursor", "limit"}
    limit = next(p for p in operation["parameters"] if p["name"] == "limit")
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 500)


async def test_a_recorded_relapse_leaves_no_health_value_in_the_trail(
    intake: httpx.AsyncClient, servers: Servers, run_id: str
) -> None:
    coordinator = headers(Role.COORDINATOR, CENTRE, unique("coordinator"))
    registered = await intake.post(f"/centres/{CENTRE}/persons", headers=coordinator)
    person_id = registered.json()["person_id"]
    relapsed_on = TODAY - timedelta(days=17)
    base = f"/centres/{CENTRE}/persons/{person_id}"
    relapse = await intake.post(
        f"{base}/relapses", json={"relapsed_on": str(relapsed_on)}, headers=coordinator
    )
    craving = await intake.post(
        f"{base}/craving-check-ins",
        json={"level": 9, "checked_on": str(TODAY - timedelta(days=3))},
        headers=coordinator,
    )
    assert (relapse.status_code, craving.status_code) == (202, 202)
    client = make_mongo_client(servers.mongo_url)
    try:
        stored = (
            await client[f"{run_id}_audit-intake"]["audit"]
            .find({"person_ids": person_id})
            .to_list()
        )
    finally:
        await client.close()
    actions = sorted(doc["action"] for doc in stored)
    assert actions == [
        "POST /centres/{centre_id}/persons",
        "POST /centres/{centre_id}/persons/{person_id}/craving-check-ins",
        "POST /centres/{centre_id}/persons/{person_id}/relapses",
    ]
    text = repr(stored)
    for value in (
        str(relapsed_on),
        relapsed_on.strftime("%Y%m%d"),
        str(TODAY - timedelta(days=3)),
        "relapsed_on",
        "level",
        "checked_on",
    ):
        assert value not in text, value


async def test_clinic_facts_over_kafka_are_recorded_accepted_or_refused(
    intake: httpx.AsyncClient, servers: Servers, topics: Topics
) -> None:
    registered = await intake.post(
        f"/centres/{CENTRE}/persons", headers=headers(Role.CLINIC_SYSTEM, CENTRE)
    )
    known = registered.json()["person_id"]
    stranger = unique("p-stranger")
    # The source names another clinic: a claim the sender writes itself, not who it is.
    accepted = envelope_for(
        RelapseRecorded(person_id=known, relapsed_on=TODAY - timedelta(days=2)),
        subject=known,
        source="/clinics/harbour-ehr/adt",
    )
    refused = envelope_for(
        RelapseRecorded(person_id=stranger, relapsed_on=TODAY - timedelta(days=2)),
        subject=stranger,
    )
    inbound = await clinic_topic(intake, servers, topics, "audit-ehr", [CENTRE])
    await publish(servers.kafka, inbound, accepted, refused)

    async def recorded(person_id: str) -> dict[str, Any] | None:
        entries = await trail(intake, person_id=person_id)
        events = [entry for entry in entries if entry["channel"] == "event"]
        return events[0] if events else None

    took = await eventually(lambda: recorded(known))
    assert (took["outcome"], took["refusal"], took["request_id"]) == (
        "accepted",
        None,
        accepted.id,
    )
    assert took["actor"] == {"subject": "audit-ehr", "role": "clinic_system", "centre": None}
    assert took["event_source"] == "/clinics/harbour-ehr/adt"
    assert took["action"] == RelapseRecorded.event_type()
    assert took["status"] is None
    turned_away = await eventually(lambda: recorded(stranger))
    by_clinic = {e["request_id"] for e in await trail(intake, actor="audit-ehr")}
    assert by_clinic == {accepted.id, refused.id}
    assert (turned_away["outcome"], turned_away["refusal"]) == ("refused", "unknown_person")
    assert str(TODAY - timedelta(days=2)) not in repr([took, turned_away])
