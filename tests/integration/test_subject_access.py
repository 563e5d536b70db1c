"""Subject access on the real servers: each service's `GET /persons/{p}/held` lists what it
holds about the person, store by store, with why and for how long, and nothing about anyone
else; intake's report says which services could not answer, and why, instead of failing.

The report's happy path, with the services as processes relaying the caller's token, is in
tests/e2e/test_subject_access.py. Here intake's peers are sockets that refuse, stay silent,
or answer junk.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
import pytest
from peerlink_eligibility.bootstrap import bootstrap as eligibility_app
from peerlink_eligibility.settings import EligibilitySettings
from peerlink_intake.bootstrap import bootstrap as intake_app
from peerlink_intake.settings import IntakeSettings
from peerlink_notifications.bootstrap import bootstrap as notifications_app
from peerlink_notifications.settings import NotificationsSettings
from peerlink_scheduling.bootstrap import bootstrap as scheduling_app
from peerlink_scheduling.settings import SchedulingSettings
from peerlink_shared.messaging.topics import Topics
from peerlink_shared.security.auth import ALL_CENTRES, Role
from peerlink_shared.settings import ServiceSettings

from tests.integration.helpers import Starter, eventually, headers
from tests.servers import Servers

S = TypeVar("S", bound=ServiceSettings)
HOME = "sar-home"
REASON = "SAR-7: subject access request"
TODAY = datetime.now(UTC).date()
Held = dict[str, Any]


@dataclass(frozen=True)
class Network:
    intake: httpx.AsyncClient
    eligibility: httpx.AsyncClient
    scheduling: httpx.AsyncClient
    notifications: httpx.AsyncClient


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # nothing listens on it once closed


async def listening(answer: Callable[[asyncio.StreamWriter], Awaitable[None]]) -> asyncio.Server:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        await answer(writer)

    return await asyncio.start_server(serve, "127.0.0.1", 0)


async def silent(writer: asyncio.StreamWriter) -> None:
    await asyncio.sleep(30)  # reads the request, never answers


async def junk(writer: asyncio.StreamWriter) -> None:
    body = b'{"service": "notifications", "stores": "<script>"}'
    writer.write(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\nConnection: close\r\n\r\n"
        + body
    )
    await writer.drain()
    writer.close()


def port_of(server: asyncio.Server) -> int:
    port: int = server.sockets[0].getsockname()[1]
    return port


@pytest.fixture(scope="module")
async def network(servers: Servers, topics: Topics, run_id: str) -> AsyncIterator[Network]:
    """The four services in this process on this run's topics (so events flow between
    them). Intake's peers are not these: one port refuses, one stays silent, one answers
    junk, so the report meets every way a service can fail to answer."""
    async with AsyncExitStack() as stack:
        quiet, garbled = await listening(silent), await listening(junk)
        for server in (quiet, garbled):
            stack.push_async_callback(server.wait_closed)
            stack.callback(server.close)

        start = Starter(stack, servers, topics, run_id, prefix="sar").start
        found = Network(
            intake=await start(
                "intake",
                intake_app,
                IntakeSettings,
                eligibility_url=f"http://127.0.0.1:{closed_port()}",
                scheduling_url=f"http://127.0.0.1:{port_of(quiet)}",
                notifications_url=f"http://127.0.0.1:{port_of(garbled)}",
                report_timeout_seconds=1.0,
            ),
            eligibility=await start("eligibility", eligibility_app, EligibilitySettings),
            scheduling=await start("scheduling", scheduling_app, SchedulingSettings),
            notifications=await start("notifications", notifications_app, NotificationsSettings),
        )
        body = {"centre_id": HOME, "display_name": "Home", "region": "n", "timezone": "UTC"}
        registered = await found.intake.put(f"/centres/{HOME}", json=body, headers=ops())
        assert registered.status_code == 200, registered.text
        yield found


def ops(reason: str | None = REASON) -> dict[str, str]:
    return headers(Role.OPS, ALL_CENTRES, "ops-1", reason=reason)


def coordinator() -> dict[str, str]:
    return headers(Role.COORDINATOR, HOME, "coordinator-1")


def themself(person_id: str) -> dict[str, str]:
    return headers(Role.SUPPORTER, HOME, person_id)


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


async def new_person(network: Network) -> str:
    response = await network.intake.post(f"/centres/{HOME}/persons", headers=coordinator())
    assert response.status_code == 201, response.text
    return str(response.json()["person_id"])


async def record(network: Network, person_id: str, fact: str, body: dict[str, object]) -> None:
    path = f"/centres/{HOME}/persons/{person_id}/{fact}"
    response = await network.intake.post(path, json=body, headers=coordinator())
    assert response.status_code == 202, response.text


async def held(client: httpx.AsyncClient, person_id: str, caller: dict[str, str]) -> Held:
    response = await client.get(f"/persons/{person_id}/held", headers=caller)
    assert response.status_code == 200, response.text
    found: Held = response.json()
    return found


def store(answer: Held, name: str) -> dict[str, Any]:
    (found,) = [item for item in answer["stores"] if item["store"] == name]
    assert found["holds"] and found["why"] and found["kept"], found
    return dict(found)


async def test_intake_holds_the_persons_links_and_every_fact(network: Network) -> None:
    person = await new_person(network)
    await record(network, person, "admissions", {"admitted_on": day(-400)})
    await record(network, person, "relapses", {"relapsed_on": day(-3)})

    answer = await held(network.intake, person, themself(person))

    assert (answer["service"], answer["person_id"]) == ("intake", person)
    (link,) = store(answer, "persons")["records"]
    assert (link["linked_centre"], link["basis"]) == (HOME, "home")
    assert "recorded_by" not in link  # a staff member's id is theirs
    facts = store(answer, "facts")["records"]
    assert [(f["fact"], f.get("admitted_on") or f.get("relapsed_on")) for f in facts] == [
        ("registered", None),
        ("admission-recorded", day(-400)),
        ("relapse-recorded", day(-3)),
    ]
    assert all("person_id" not in f for f in facts)
    assert "audit" in [item["store"] for item in answer["stores"]]


async def test_eligibility_holds_the_facts_it_reads_and_each_decision_with_reasons(
    network: Network,
) -> None:
    person = await new_person(network)
    await record(network, person, "relapses", {"relapsed_on": day(-3)})

    async def relapse_read() -> Held | None:
        answer = await held(network.eligibility, person, themself(person))
        facts = store(answer, "person_facts")["records"]
        return answer if [f for f in facts if f["kind"] == "relapse"] else None

    answer = await eventually(relapse_read)
    relapse = next(f for f in store(answer, "person_facts")["records"] if f["kind"] == "relapse")
    assert relapse["relapsed_on"] == day(-3)
    (decision,) = store(answer, "decisions")["records"]
    assert decision["centre_id"] == HOME
    assert decision["eligible"] is False
    assert {"no_completed_programme", "not_volunteering"} <= set(decision["reasons"]), decision


async def test_scheduling_holds_availability_and_meetings_but_not_other_peoples_ids(
    network: Network,
) -> None:
    supporter, resident = await new_person(network), await new_person(network)
    availability = {
        "timezone": "UTC",
        "weekly": [{"weekday": 0, "start": "09:00", "end": "12:00"}],
    }
    saved = await network.scheduling.put(
        f"/supporters/{supporter}/availability", json=availability, headers=themself(supporter)
    )
    assert saved.status_code == 204, saved.text
    starts = datetime.now(UTC) + timedelta(days=3)
    meeting = await network.scheduling.post(
        f"/centres/{HOME}/meetings",
        json={
            "resident_id": resident,
            "window_starts_at": starts.isoformat(),
            "window_ends_at": (starts + timedelta(hours=4)).isoformat(),
        },
        headers=coordinator(),
    )
    assert meeting.status_code == 201, meeting.text
    excluded = await network.scheduling.put(
        f"/centres/{HOME}/residents/{resident}/exclusions",
        json={"supporter_ids": [supporter]},
        headers=coordinator(),
    )
    assert excluded.status_code == 204, excluded.text

    (windows,) = store(
        await held(network.scheduling, supporter, themself(supporter)), "availability"
    )["records"]
    assert windows["weekly"] == ["Monday 09:00-12:00"]
    answer = await held(network.scheduling, resident, themself(resident))
    (requested,) = store(answer, "sessions")["records"]
    assert requested["session_id"] == meeting.json()["session_id"]
    assert store(answer, "exclusions")["records"] == [{"centre_id": HOME, "supporters_excluded": 1}]
    assert supporter not in json.dumps(answer), "the resident's report names no supporter"


async def test_notifications_shows_addresses_to_the_person_only_and_never_the_secret(
    network: Network,
) -> None:
    person = await new_person(network)
    contact = {"email": "sam@example.org", "consent": ["email"]}
    saved = await network.notifications.put(
        f"/persons/{person}/contact", json=contact, headers=themself(person)
    )
    assert saved.status_code == 200, saved.text

    (own,) = store(await held(network.notifications, person, themself(person)), "contacts")[
        "records"
    ]
    assert (own["email"], own["on_file"], own["consent"]) == (
        "sam@example.org",
        ["email"],
        ["email"],
    )
    as_ops = await held(network.notifications, person, ops())
    (seen,) = store(as_ops, "contacts")["records"]
    assert seen["on_file"] == ["email"]
    assert "sam@example.org" not in json.dumps(as_ops)
    assert store(as_ops, "messages")["records"] == []


@pytest.mark.parametrize("service", ["intake", "eligibility", "scheduling", "notifications"])
async def test_held_is_for_the_person_themself_or_ops_with_a_reason(
    network: Network, service: str
) -> None:
    person, other = await new_person(network), await new_person(network)
    client = getattr(network, service)
    for caller, why in [
        (themself(other), "another person"),
        (coordinator(), "their coordinator"),
        (ops(reason=None), "ops without a reason"),
    ]:
        response = await client.get(f"/persons/{person}/held", headers=caller)
        assert response.status_code == 403, f"{why}: {response.status_code} {response.text}"
    assert (await client.get(f"/persons/{person}/held")).status_code == 401


async def test_the_report_names_each_service_that_could_not_answer_and_why(
    network: Network,
) -> None:
    person = await new_person(network)
    await record(network, person, "relapses", {"relapsed_on": day(-2)})

    began = time.monotonic()
    response = await network.intake.get(f"/persons/{person}/report", headers=themself(person))
    took = time.monotonic() - began

    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    report = response.json()
    assert report["person_id"] == person
    assert report["complete"] is False
    sections = {section["service"]: section for section in report["services"]}
    assert list(sections) == ["intake", "eligibility", "scheduling", "notifications"]
    assert sections["intake"]["status"] == "complete"
    facts = next(s for s in sections["intake"]["stores"] if s["store"] == "facts")["records"]
    assert [fact.get("relapsed_on") for fact in facts] == [None, day(-2)]
    reasons = {name: (s["status"], s["reason"], s["stores"]) for name, s in sections.items()}
    assert reasons["eligibility"] == ("unavailable", "could not be reached", [])
    assert reasons["scheduling"] == ("unavailable", "did not answer within 1 s", [])
    assert reasons["notifications"] == (
        "unavailable",
        "answered something that is not a holdings report",
        [],
    )
    assert took < 5, f"the peers are asked side by side, each bounded: took {took:.1f} s"


async def test_the_report_as_a_page_says_it_is_incomplete(network: Network) -> None:
    person = await new_person(network)
    html = {**themself(person), "Accept": "text/html,application/xhtml+xml"}
    for caller, params in ((html, {}), (themself(person), {"format": "html"})):
        response = await network.intake.get(
            f"/persons/{person}/report", headers=caller, params=params
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["cache-control"] == "no-store"
        assert "default-src 'none'" in response.headers["content-security-policy"]
        page = response.text
        assert "This report is incomplete." in page
        assert f"Person id <strong>{person}</strong>" in page
        assert "Unavailable: did not answer within 1 s." in page


async def test_the_report_refuses_others_and_says_what_is_wrong(network: Network) -> None:
    person, other = await new_person(network), await new_person(network)
    path = f"/persons/{person}/report"
    refused = [
        (themself(other), 403, "only the person themself"),
        (coordinator(), 403, "only the person themself"),
        (ops(reason=None), 403, "X-Access-Reason"),
    ]
    for caller, status, says in refused:
        response = await network.intake.get(path, headers=caller)
        assert response.status_code == status, response.text
        assert says in response.json()["detail"]
    unknown = await network.intake.get("/persons/p-0000000000000000/report", headers=ops())
    assert (unknown.status_code, unknown.json()["detail"]) == (404, "no such person")
    bad_format = await network.intake.get(path, params={"format": "pdf"}, headers=themself(person))
    assert bad_format.status_code == 422
    assert bad_format.json()["detail"][0]["loc"] == ["query", "format"]


async def test_the_report_is_audited_with_the_stated_reason(network: Network) -> None:
    person = await new_person(network)
    response = await network.intake.get(f"/persons/{person}/report", headers=ops())
    assert response.status_code == 200, response.text

    trail = await network.intake.get("/audit", params={"person_id": person}, headers=ops())
    assert trail.status_code == 200, trail.text
    reads = [e for e in trail.json()["entries"] if e["action"] == "GET /persons/{person_id}/report"]
    assert [(e["access_reason"], e["status"], e["actor"]["role"]) for e in reads] == [
        (REASON, 200, "ops")
    ]
