"""The audit trail at the HTTP door: one entry per request to a person-data route, whoever
asked and however it ended, and never a value from the request.

A small app with the real middleware and dependencies; the caller comes from a test header
instead of a token (token checks have their own tests), the store is an in-memory fake.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Annotated

import httpx
import pytest
from fastapi import FastAPI, Header, HTTPException, status
from peerlink_shared.auditing.audit import AuditEntry
from peerlink_shared.auditing.audit_trail import AuditTrail
from peerlink_shared.security.auth import Principal, Role
from peerlink_shared.web.body_limit import BodyLimit
from peerlink_shared.web.http import CentreId, PersonId, authorize, current_principal
from peerlink_shared.web.person_access import Audited, PersonCaller
from prometheus_client import REGISTRY
from pydantic import BaseModel, ConfigDict, Field

from tests.fakes.clock import MovableClock

CANARY = "Zebulon-Quixote"
RELAPSED_ON = date(2031, 2, 3)
NOW = datetime(2030, 6, 1, 9, 30, tzinfo=UTC)


class FakeRecorder:
    def __init__(self) -> None:
        self.entries: list[AuditEntry] = []
        self.failing = False

    async def record(self, entry: AuditEntry) -> None:
        if self.failing:
            raise ConnectionError("the audit store is away")
        self.entries.append(entry)


class RelapseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    relapsed_on: date
    level: int = Field(ge=0, le=10)
    note: str = Field(max_length=100)


class MeetingIn(BaseModel):
    resident_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")


def caller_from_test_header(
    as_: Annotated[str | None, Header(alias="X-Test-As")] = None,
) -> Principal:
    if as_ is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a bearer token is required")
    role, centre, subject = as_.split(",")
    return Principal(subject=subject, centre=centre, role=Role(role))


def build(recorder: FakeRecorder) -> FastAPI:
    app = FastAPI()
    app.dependency_overrides[current_principal] = caller_from_test_header

    @app.get("/centres/{centre_id}/persons/{person_id}/decision")
    async def read_decision(
        centre_id: CentreId, person_id: PersonId, caller: PersonCaller
    ) -> dict[str, str]:
        authorize(caller, centre_id=centre_id, roles={Role.COORDINATOR, Role.OPS})
        return {"person_id": person_id, "secret": CANARY}

    @app.post("/centres/{centre_id}/persons/{person_id}/relapses", status_code=202)
    async def record_relapse(
        centre_id: CentreId, person_id: PersonId, body: RelapseIn, caller: PersonCaller
    ) -> dict[str, str]:
        authorize(caller, centre_id=centre_id, roles={Role.COORDINATOR, Role.OPS})
        return {"recorded": "yes"}

    @app.post("/centres/{centre_id}/meetings", status_code=201)
    async def request_meeting(
        centre_id: CentreId, body: MeetingIn, caller: PersonCaller, audited: Audited
    ) -> dict[str, str]:
        audited.names(body.resident_id)
        authorize(caller, centre_id=centre_id, roles={Role.COORDINATOR})
        return {"resident_id": body.resident_id}

    @app.get("/centres/{centre_id}/persons/{person_id}/broken")
    async def broken(centre_id: CentreId, person_id: PersonId, caller: PersonCaller) -> None:
        raise RuntimeError("a defect")

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "alive"}

    app.add_middleware(BodyLimit, max_bytes=1024)
    app.add_middleware(
        AuditTrail,
        recorder=recorder,
        clock=MovableClock(NOW),
        service="test",
        routes=app.router.routes,
    )
    return app


@pytest.fixture
def recorder() -> FakeRecorder:
    return FakeRecorder()


@pytest.fixture
async def client(recorder: FakeRecorder) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build(recorder), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as found:
        yield found


def as_(role: Role, centre: str, subject: str = "coordinator-7") -> dict[str, str]:
    return {"X-Test-As": f"{role.value},{centre},{subject}"}


DECISION = "/centres/harbour/persons/p-1/decision"


async def test_a_read_leaves_who_what_when_and_the_outcome(
    client: httpx.AsyncClient, recorder: FakeRecorder
) -> None:
    response = await client.get(
        DECISION, headers={**as_(Role.COORDINATOR, "harbour"), "X-Request-Id": "req-42"}
    )
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "req-42"
    [entry] = recorder.entries
    assert entry.action == "GET /centres/{centre_id}/persons/{person_id}/decision"
    assert (entry.person_ids, entry.centre_id) == (["p-1"], "harbour")
    assert (entry.actor.subject, entry.actor.role, entry.actor.centre) == (
        "coordinator-7",
        Role.COORDINATOR,
        "harbour",
    )
    assert (entry.status, entry.outcome, entry.at, entry.request_id) == (
        200,
        "accepted",
        NOW,
        "req-42",
    )
    assert entry.channel == "http"
    assert entry.service == "test"


async def test_a_refused_and_an_anonymous_attempt_are_recorded(
    client: httpx.AsyncClient, recorder: FakeRecorder
) -> None:
    elsewhere = await client.get(DECISION, headers=as_(Role.COORDINATOR, "elsewhere"))
    nobody = await client.get(DECISION)
    assert (elsewhere.status_code, nobody.status_code) == (403, 401)
    refused, anonymous = recorder.entries
    assert (refused.actor.centre, refused.status, refused.outcome) == ("elsewhere", 403, "refused")
    assert (anonymous.actor.subject, anonymous.actor.role, anonymous.status) == (
        "anonymous",
        "anonymous",
        401,
    )
    assert anonymous.person_ids == ["p-1"]


async def test_no_value_of_a_health_fact_reaches_the_entry(
    client: httpx.AsyncClient, recorder: FakeRecorder
) -> None:
    body = {"relapsed_on": RELAPSED_ON.isoformat(), "level": 9, "note": CANARY}
    response = await client.post(
        "/centres/harbour/persons/p-1/relapses", json=body, headers=as_(Role.COORDINATOR, "harbour")
    )
    assert response.status_code == 202
    [entry] = recorder.entries
    stored = entry.model_dump_json()
    assert "p-1" in stored
    for value in (CANARY, RELAPSED_ON.isoformat(), "2031", '"level"', "relapsed_on", "note"):
        assert value not in stored, value


async def test_ops_must_state_a_reason_which_is_kept(
    client: httpx.AsyncClient, recorder: FakeRecorder
) -> None:
    ops = as_(Role.OPS, "*", "ops-1")
    refused = await client.get(DECISION, headers=ops)
    assert refused.status_code == 403
    assert "X-Access-Reason" in refused.json()["detail"]
    allowed = await client.get(DECISION, headers={**ops, "X-Access-Reason": "INC-7 missing slot"})
    assert allowed.status_code == 200
    first, second = recorder.entries
    assert (first.status, first.access_reason, first.actor.role) == (403, None, Role.OPS)
    assert (second.status, second.access_reason) == (200, "INC-7 missing slot")


@pytest.mark.parametrize(
    ("case", "reason"),
    [("too short", "ab"), ("too long", "x" * 201), ("a control character", "INC\x017")],
)
async def test_a_bad_reason_is_refused_and_still_names_the_caller(
    client: httpx.AsyncClient, recorder: FakeRecorder, case: str, reason: str
) -> None:
    response = await client.get(
        DECISION, headers={**as_(Role.OPS, "*", "ops-1"), "X-Access-Reason": reason}
    )
    assert response.status_code == 422, case
    [entry] = recorder.entries
    assert (entry.actor.subject, entry.status, entry.access_reason) == ("ops-1", 422, None)


async def test_persons_named_in_a_body_are_recorded_even_when_refused(
    client: httpx.AsyncClient, recorder: FakeRecorder
) -> None:
    response = await client.post(
        "/centres/harbour/meetings",
        json={"resident_id": "p-resident"},
        headers=as_(Role.COORDINATOR, "elsewhere"),
    )
    assert response.status_code == 403
    [entry] = recorder.entries
    assert (entry.person_ids, entry.status) == (["p-resident"], 403)


async def test_a_name_where_an_id_belongs_is_not_recorded(
    client: httpx.AsyncClient, recorder: FakeRecorder
) -> None:
    response = await client.get(
        f"/centres/harbour/persons/{CANARY}%20Smith/decision",
        headers=as_(Role.COORDINATOR, "harbour"),
    )
    assert response.status_code == 422
    [entry] = recorder.entries
    assert entry.person_ids == []
    assert CANARY not in entry.model_dump_json()


async def test_a_body_refused_before_routing_is_recorded(
    client: httpx.AsyncClient, recorder: FakeRecorder
) -> None:
    response = await client.post(
        "/centres/harbour/persons/p-1/relapses",
        content=b"{" + b" " * 2000 + b"}",
        headers={**as_(Role.COORDINATOR, "harbour"), "content-type": "application/json"},
    )
    assert response.status_code == 413
    [entry] = recorder.entries
    assert (entry.action, entry.person_ids, entry.status) == (
        "POST /centres/{centre_id}/persons/{person_id}/relapses",
        ["p-1"],
        413,
    )


async def test_a_defect_is_recorded_as_failed(
    client: httpx.AsyncClient, recorder: FakeRecorder
) -> None:
    response = await client.get(
        "/centres/harbour/persons/p-1/broken", headers=as_(Role.COORDINATOR, "harbour")
    )
    assert response.status_code == 500
    [entry] = recorder.entries
    assert (entry.status, entry.outcome) == (500, "failed")


async def test_routes_without_person_data_leave_no_entry(
    client: httpx.AsyncClient, recorder: FakeRecorder
) -> None:
    assert (await client.get("/health")).status_code == 200
    assert (await client.get("/nowhere")).status_code == 404
    assert recorder.entries == []


def failures(answer: str) -> float:
    value = REGISTRY.get_sample_value("peerlink_audit_write_failures_total", {"answer": answer})
    return value or 0.0


async def test_a_read_is_withheld_when_its_entry_cannot_be_written(
    client: httpx.AsyncClient, recorder: FakeRecorder
) -> None:
    recorder.failing = True
    before = failures("withheld")
    response = await client.get(DECISION, headers=as_(Role.COORDINATOR, "harbour"))
    assert response.status_code == 503
    assert CANARY not in response.text
    assert "audit trail" in json.loads(response.text)["detail"]
    assert response.headers["x-request-id"]
    assert failures("withheld") == before + 1


async def test_a_change_is_answered_as_made_when_its_entry_cannot_be_written(
    client: httpx.AsyncClient, recorder: FakeRecorder
) -> None:
    recorder.failing = True
    before = failures("sent")
    body = {"relapsed_on": RELAPSED_ON.isoformat(), "level": 9, "note": "n"}
    response = await client.post(
        "/centres/harbour/persons/p-1/relapses", json=body, headers=as_(Role.COORDINATOR, "harbour")
    )
    assert response.status_code == 202
    assert failures("sent") == before + 1
