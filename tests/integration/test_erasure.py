"""Intake's erasure door against the real servers: who may ask, what a bad request gets, a
second request returns the first, the person is gone at once (410 over HTTP, skipped and
audited at the clinic door), intake forgets what it held, and the status follows the
services' confirmations on person-erased."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import httpx
import pytest
from peerlink_intake.bootstrap import bootstrap
from peerlink_intake.settings import IntakeSettings
from peerlink_shared.contracts import PersonErased, RelapseRecorded
from peerlink_shared.messaging.envelope import new_event_id
from peerlink_shared.messaging.topics import Topics
from peerlink_shared.security.auth import Role
from peerlink_shared.storage.mongo import make_mongo_client

from tests.erasure_traces import leftovers, traces
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

CENTRE, OTHER = "erasure-home", "erasure-other"
CLINIC = "erasure-ehr"
REASON = "DPO-311: Art. 17 request"
COORDINATOR = headers(Role.COORDINATOR, CENTRE, "coordinator-1")
OPS = headers(Role.OPS, "*", "ops-1", reason="DPO-311 erasure")


async def with_centres(intake: httpx.AsyncClient) -> None:
    await register_centres(intake, CENTRE, OTHER, caller=OPS)


intake = served(bootstrap, IntakeSettings, name="erasure", then=with_centres)


async def new_person(intake: httpx.AsyncClient) -> str:
    response = await intake.post(f"/centres/{CENTRE}/persons", headers=COORDINATOR)
    assert response.status_code == 201, response.text
    person_id: str = response.json()["person_id"]
    relapse = await intake.post(
        f"/centres/{CENTRE}/persons/{person_id}/relapses",
        json={"relapsed_on": "2025-03-04"},
        headers=COORDINATOR,
    )
    assert relapse.status_code == 202, relapse.text
    return person_id


async def erase(intake: httpx.AsyncClient, person_id: str, who: dict[str, str]) -> httpx.Response:
    return await intake.post(f"/persons/{person_id}/erasure", json={"reason": REASON}, headers=who)


@pytest.mark.parametrize(
    ("who", "why"),
    [
        (headers(Role.COORDINATOR, OTHER, "c-2"), "a coordinator of a centre not linked"),
        (headers(Role.SUPPORTER, CENTRE, "p-self"), "a supporter"),
        (headers(Role.CLINIC_SYSTEM, CENTRE, "ehr"), "a clinic system"),
        (headers(Role.OPS, CENTRE, "ops-2", reason="ticket 1"), "ops for one centre"),
        (headers(Role.OPS, "*", "ops-3"), "ops without X-Access-Reason"),
    ],
)
async def test_only_ops_for_every_centre_or_a_linked_coordinator_may_erase(
    intake: httpx.AsyncClient, who: dict[str, str], why: str
) -> None:
    person_id = await new_person(intake)
    refused = await erase(intake, person_id, who)
    assert refused.status_code == 403, f"{why}: {refused.text}"
    # Nothing happened: facts are still recorded, and no request exists.
    assert (await intake.get(f"/persons/{person_id}/erasure", headers=OPS)).status_code == 404
    still = await intake.post(
        f"/centres/{CENTRE}/persons/{person_id}/relapses",
        json={"relapsed_on": "2025-03-05"},
        headers=COORDINATOR,
    )
    assert still.status_code == 202


async def test_an_unknown_person_is_404(intake: httpx.AsyncClient) -> None:
    unknown = f"p-{secrets.token_hex(8)}"
    assert (await erase(intake, unknown, OPS)).status_code == 404
    assert (await intake.get(f"/persons/{unknown}/erasure", headers=OPS)).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"reason": "no"},
        {"reason": "x" * 201},
        {"reason": "line\nbreak"},
        {"reason": 12345},
        {"reason": REASON, "also": "delete the audit trail"},
        [REASON],
    ],
)
async def test_a_bad_reason_is_refused_saying_why(intake: httpx.AsyncClient, body: object) -> None:
    person_id = await new_person(intake)
    refused = await intake.post(f"/persons/{person_id}/erasure", json=body, headers=COORDINATOR)
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"]
    assert (await intake.get(f"/persons/{person_id}/erasure", headers=OPS)).status_code == 404


@pytest.mark.parametrize("path", ["/persons/p%24where/erasure", "/persons/p.1/erasure"])
async def test_a_person_id_that_cannot_be_one_is_refused(
    intake: httpx.AsyncClient, path: str
) -> None:
    assert (await intake.post(path, json={"reason": REASON}, headers=OPS)).status_code == 422


async def test_a_request_is_accepted_once_and_the_person_is_gone_at_once(
    intake: httpx.AsyncClient, servers: Servers, topics: Topics, run_id: str
) -> None:
    person_id = await new_person(intake)
    accepted = await erase(intake, person_id, COORDINATOR)
    assert accepted.status_code == 202, accepted.text
    request = accepted.json()
    assert request["status"] == "open" and request["person_id"] == person_id
    assert request["requested_by"] == {
        "role": "coordinator",
        "centre": CENTRE,
        "subject": "coordinator-1",
    }
    assert [s["service"] for s in request["services"]] == [
        "intake",
        "eligibility",
        "scheduling",
        "notifications",
    ]
    # Asked again, by ops: the same request.
    again = await erase(intake, person_id, OPS)
    assert again.status_code == 202
    assert again.json()["request_id"] == request["request_id"]

    # Nothing more is recorded about them: 410, saying why.
    gone = await intake.post(
        f"/centres/{CENTRE}/persons/{person_id}/relapses",
        json={"relapsed_on": "2025-03-06"},
        headers=COORDINATOR,
    )
    assert gone.status_code == 410
    assert "erased" in gone.json()["detail"]
    links = await intake.get(f"/centres/{CENTRE}/persons/{person_id}/links", headers=COORDINATOR)
    assert links.status_code == 403

    # Intake forgets its own (its consumer of person-erasure), and confirms.
    async def intake_confirmed() -> dict[str, object] | None:
        status = await intake.get(f"/persons/{person_id}/erasure", headers=COORDINATOR)
        found: dict[str, object] = status.json()
        services = found["services"]
        assert isinstance(services, list)
        return found if services[0]["confirmed_at"] is not None else None

    confirmed = await eventually(intake_confirmed)
    intake_done = confirmed["services"][0]  # type: ignore[index]
    assert intake_done["deleted"] == {"facts": 2, "persons": 0, "outbox_parked": 0}
    assert confirmed["status"] == "open"

    # What intake holds about them, as their subject access report would show it: nothing.
    held = await intake.get(f"/persons/{person_id}/held", headers=OPS)
    assert held.status_code == 200, held.text
    assert "2025-03-04" not in held.text

    client = make_mongo_client(servers.mongo_url)
    try:
        db = client[f"{run_id}_erasure"]
        assert leftovers(await traces(db, [person_id]), person_id=person_id) == {}
    finally:
        await client.close()

    # The other three confirm on person-erased: done, with when.
    for service in ("eligibility", "scheduling", "notifications"):
        erased = PersonErased(
            person_id=person_id,
            request_id=request["request_id"],
            service=service,
            deleted={"documents": 1},
            erased_at=datetime.now(UTC),
        )
        await publish(servers.kafka, topics.person_erased, envelope_for(erased, subject=person_id))

    async def done() -> dict[str, object] | None:
        status = await intake.get(f"/persons/{person_id}/erasure", headers=OPS)
        found: dict[str, object] = status.json()
        return found if found["status"] == "done" else None

    finished = await eventually(done)
    assert finished["done_at"] is not None
    assert all(s["confirmed_at"] for s in finished["services"])  # type: ignore[attr-defined]
    # The centre that asked still sees the status; another centre does not.
    other = headers(Role.COORDINATOR, OTHER, "c-2")
    assert (await intake.get(f"/persons/{person_id}/erasure", headers=other)).status_code == 403


async def test_a_clinic_fact_about_an_erased_person_is_skipped_and_audited(
    intake: httpx.AsyncClient, servers: Servers, topics: Topics
) -> None:
    topic = await clinic_topic(intake, servers, topics, CLINIC, [CENTRE])
    person_id = await new_person(intake)
    assert (await erase(intake, person_id, OPS)).status_code == 202
    fact = RelapseRecorded(person_id=person_id, relapsed_on=datetime(2025, 5, 6).date())
    event = envelope_for(fact, subject=person_id, event_id=new_event_id(), source="/ehr")
    await publish(servers.kafka, topic, event)

    async def audited() -> list[dict[str, object]] | None:
        query = {"person_id": person_id}
        response = await intake.get("/audit", params=query, headers=headers(Role.OPS, "*"))
        entries: list[dict[str, object]] = response.json()["entries"]
        found = [e for e in entries if e.get("refusal") == "person_erased"]
        return found or None

    (entry,) = await eventually(audited)
    assert entry["person_ids"] == [person_id]


async def test_erasure_forgets_the_link_facts_too(
    intake: httpx.AsyncClient, servers: Servers, run_id: str
) -> None:
    """A consent, its withdrawal and a referral are link facts of their own: erased with the
    person, and counted in intake's confirmation."""
    person_id = await new_person(intake)
    person = f"/centres/{CENTRE}/persons/{person_id}"
    changes = [
        ("link-consents", {"to_centre_id": OTHER, "consented_on": "2025-03-04"}),
        ("link-consent-withdrawals", {"from_centre_id": OTHER, "withdrawn_on": "2025-03-05"}),
        ("referrals", {"to_centre_id": OTHER, "referred_on": "2025-03-06"}),
    ]
    for path, body in changes:
        recorded = await intake.post(f"{person}/{path}", json=body, headers=COORDINATOR)
        assert recorded.status_code == 202, recorded.text
    assert (await erase(intake, person_id, COORDINATOR)).status_code == 202

    async def intake_confirmed() -> dict[str, object] | None:
        status = (await intake.get(f"/persons/{person_id}/erasure", headers=OPS)).json()
        done: dict[str, object] = status["services"][0]
        return done if done["confirmed_at"] is not None else None

    confirmed = await eventually(intake_confirmed)
    # facts: the registration, the relapse and the three changes; link_facts: the three
    assert confirmed["deleted"] == {"facts": 5, "persons": 0, "outbox_parked": 0, "link_facts": 3}
    client = make_mongo_client(servers.mongo_url)
    try:
        db = client[f"{run_id}_erasure"]
        assert leftovers(await traces(db, [person_id]), person_id=person_id) == {}
        assert await db["link_facts"].count_documents({"person_id": person_id}) == 0
    finally:
        await client.close()
