"""The subject access report with the four services as processes on the real servers: a
person with facts, a decision, a booking and a message asks what PeerLink holds about them,
and every service's section holds it; intake relays the person's own token to the others;
with one service down, the report says so instead of failing."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from peerlink_devtools.processes import Network
from peerlink_devtools.scenario import (
    Api,
    enrol_graduate,
    record_year_sober,
    register_centre,
    wait_for_messages,
)
from peerlink_shared.security.auth import Role, audience_of
from peerlink_shared.security.auth_local import LOCAL_ISSUER, issue_token, local_key

from tests.e2e.network import api_for, open_session

pytestmark = pytest.mark.e2e

# A centre's display name is free text, and it is quoted in the messages a supporter gets.
HOSTILE_NAME = "Harbour <script>alert(1)</script> House"
Report = dict[str, Any]


@pytest.fixture(scope="module")
async def person(network: Network) -> tuple[str, str, str, str]:
    """(centre, person, session, message text): a graduate with facts, an eligible decision,
    a booking in a group session, and the message that told them."""
    api = api_for(network)
    today = datetime.now(UTC).date()
    centre = f"sar-{secrets.token_hex(3)}"
    coordinator = api.token(role=Role.COORDINATOR, centre=centre, subject="coordinator-1")
    try:
        await register_centre(api, centre_id=centre, name=HOSTILE_NAME, coordinator=coordinator)
        person_id = await enrol_graduate(
            api, centre_id=centre, coordinator=coordinator, today=today, say=lambda _: None
        )
        starts_at = datetime.combine(today + timedelta(days=3), time(10, 0), tzinfo=UTC)
        session = await open_session(
            api, centre_id=centre, headers=coordinator, starts_at=starts_at, minutes=90
        )
        await record_year_sober(
            api,
            centre_id=centre,
            person_id=person_id,
            coordinator=coordinator,
            today=today,
            key=secrets.token_hex(4),
        )
        supporter = api.token(role=Role.SUPPORTER, centre=centre, subject=person_id)
        (message,) = await wait_for_messages(
            api, person_id=person_id, headers=supporter, at_least=1, timeout=90
        )
        contact = await api.call(
            "PUT",
            "notifications",
            f"/persons/{person_id}/contact",
            headers=supporter,
            json={"email": "sam@example.org"},
        )
        assert contact.status_code == 200, contact.text
    finally:
        await api.close()
    return centre, person_id, str(session["session_id"]), str(message["text"])


def token(network: Network, *, centre: str, person_id: str, services: tuple[str, ...]) -> str:
    return issue_token(
        key=local_key(network.token_secret),
        issuer=LOCAL_ISSUER,
        audiences=[audience_of(service) for service in services],
        subject=person_id,
        centre=centre,
        role=Role.SUPPORTER,
        now=datetime.now(UTC),
        ttl=timedelta(minutes=10),
    )


ALL = ("intake", "eligibility", "scheduling", "notifications")


async def fetch(
    network: Network,
    person: tuple[str, str, str, str],
    *,
    services: tuple[str, ...] = ALL,
    html: bool = False,
    request_id: str | None = None,
) -> Any:
    centre, person_id, _, _ = person
    bearer = token(network, centre=centre, person_id=person_id, services=services)
    api = Api({"intake": network.url("intake")}, network.token_secret)
    try:
        headers = {"Authorization": f"Bearer {bearer}"}
        if html:
            headers["Accept"] = "text/html"
        if request_id is not None:
            headers["X-Request-Id"] = request_id
        response = await api.call("GET", "intake", f"/persons/{person_id}/report", headers=headers)
    finally:
        await api.close()
    assert response.status_code == 200, response.text
    return response.text if html else response.json()


def records(report: Report, service: str, store: str) -> list[dict[str, Any]]:
    (section,) = [s for s in report["services"] if s["service"] == service]
    assert section["status"] == "complete", section
    (found,) = [s for s in section["stores"] if s["store"] == store]
    return list(found["records"])


async def test_each_service_section_holds_what_it_holds_about_the_person(
    network: Network, person: tuple[str, str, str, str]
) -> None:
    centre, person_id, session_id, text = person

    report = await fetch(network, person)

    assert (report["person_id"], report["complete"]) == (person_id, True)
    facts = {fact["fact"]: fact for fact in records(report, "intake", "facts")}
    assert {
        "registered",
        "admission-recorded",
        "programme-ended",
        "sobriety-milestone-recorded",
    } <= set(facts)
    assert facts["sobriety-milestone-recorded"]["days"] == 365
    assert facts["craving-check-in-recorded"]["level"] == 2
    (decision,) = records(report, "eligibility", "decisions")
    assert (decision["centre_id"], decision["eligible"], decision["reasons"]) == (centre, True, [])
    (booking,) = records(report, "scheduling", "assignments")
    assert (booking["as"], booking["session_id"], booking["centre_id"]) == (
        "supporter",
        session_id,
        centre,
    )
    (eligible,) = records(report, "scheduling", "eligible")
    assert (eligible["centre_id"], eligible["eligible"]) == (centre, True)
    (message,) = records(report, "notifications", "messages")
    assert message["text"] == text and HOSTILE_NAME in text
    (contact,) = records(report, "notifications", "contacts")
    assert contact["email"] == "sam@example.org"  # their own address, shown to them
    for section in report["services"]:
        assert "audit" in [store["store"] for store in section["stores"]]


async def test_the_page_shows_every_service_and_escapes_what_it_quotes(
    network: Network, person: tuple[str, str, str, str]
) -> None:
    page = await fetch(network, person, html=True)

    for heading in ("Intake", "Eligibility", "Scheduling", "Notifications"):
        assert f"<h2>{heading}</h2>" in page
    assert "This report is incomplete." not in page
    assert "Harbour &lt;script&gt;alert(1)&lt;/script&gt; House" in page
    assert "<script>" not in page


async def test_a_token_only_for_intake_is_refused_by_the_others_and_the_report_says_so(
    network: Network, person: tuple[str, str, str, str]
) -> None:
    report = await fetch(network, person, services=("intake",))

    assert report["complete"] is False
    reasons = {s["service"]: (s["status"], s["reason"]) for s in report["services"]}
    refused = (
        "refused the token (401): the bearer token was refused: "
        "the token is not meant for this service (aud)"
    )
    assert reasons == {
        "intake": ("complete", None),
        "eligibility": ("unavailable", refused),
        "scheduling": ("unavailable", refused),
        "notifications": ("unavailable", refused),
    }


async def test_each_service_audits_the_read_as_the_persons_own_under_one_request_id(
    network: Network, person: tuple[str, str, str, str]
) -> None:
    _, person_id, _, _ = person
    request_id = f"sar-{secrets.token_hex(6)}"

    assert (await fetch(network, person, request_id=request_id))["complete"] is True

    api = api_for(network)
    ops = api.token(role=Role.OPS, centre="*", subject="ops-1")
    try:
        for service in ("intake", "eligibility", "scheduling", "notifications"):
            trail = await api.call(
                "GET", service, f"/audit?person_id={person_id}&limit=50", headers=ops
            )
            assert trail.status_code == 200, trail.text
            entries = [e for e in trail.json()["entries"] if e["request_id"] == request_id]
            assert [(e["action"], e["actor"]["subject"], e["status"]) for e in entries] == [
                (
                    "GET /persons/{person_id}/report"
                    if service == "intake"
                    else "GET /persons/{person_id}/held",
                    person_id,
                    200,
                )
            ], service
    finally:
        await api.close()


async def test_with_a_service_down_the_report_is_incomplete_and_names_it(
    network: Network, person: tuple[str, str, str, str]
) -> None:
    stopped = network.processes["notifications"].process
    stopped.terminate()
    stopped.wait(timeout=30)

    report = await fetch(network, person)

    assert report["complete"] is False
    reasons = {s["service"]: (s["status"], s["reason"]) for s in report["services"]}
    assert reasons["notifications"] == ("unavailable", "could not be reached")
    assert {reasons[name] for name in ("intake", "eligibility", "scheduling")} == {
        ("complete", None)
    }
    assert records(report, "eligibility", "decisions"), "what the others hold is still there"
