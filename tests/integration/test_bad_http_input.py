"""Hostile HTTP input against real services: each request gets a 4xx that says what is wrong,
nothing is stored or published from it, and the service goes on serving good requests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import jwt
import pytest
from peerlink_devtools.kafka_watch import read_all
from peerlink_intake.bootstrap import bootstrap as intake_app
from peerlink_intake.settings import IntakeSettings
from peerlink_scheduling.bootstrap import bootstrap as scheduling_app
from peerlink_scheduling.settings import SchedulingSettings
from peerlink_shared.messaging.topics import Topics
from peerlink_shared.security.auth import Role, audience_of
from peerlink_shared.security.auth_local import DEFAULT_KID, LOCAL_ISSUER

from tests.integration.helpers import SECRET, headers, served
from tests.servers import Servers

CENTRE = "bad-input-house"
CANARY = "CANARY-bad-input-7f1e"
GOOD_CENTRE = (
    b'{"centre_id":"bad-input-house","display_name":"Bad Input House","region":"north",'
    b'"timezone":"Europe/Dublin"}'
)


def centre_with(**fields: str) -> bytes:
    parts = {
        "centre_id": '"bad-input-house"',
        "display_name": '"Bad Input House"',
        "region": '"north"',
        "timezone": '"Europe/Dublin"',
        **fields,
    }
    return ("{" + ",".join(f'"{key}":{value}' for key, value in parts.items()) + "}").encode()


NO_WINDOWS: dict[str, object] = {"timezone": "UTC", "weekly": []}
TOKEN_CENTRE = "token-house"


def bearer(claims: dict[str, object], *, kid: str = DEFAULT_KID) -> dict[str, str]:
    """A token signed with the services' own secret, saying what no minter would write."""
    now = int(datetime.now(UTC).timestamp())
    base: dict[str, object] = {
        "iss": LOCAL_ISSUER,
        "aud": audience_of("intake"),
        "sub": "coord-1",
        "centre": TOKEN_CENTRE,
        "role": "coordinator",
        "iat": now,
        "exp": now + 600,
    }
    token = jwt.encode({**base, **claims}, SECRET, algorithm="HS256", headers={"kid": kid})
    return {"Authorization": f"Bearer {token}"}


intake = served(intake_app, IntakeSettings, name="bad-in")
scheduling = served(scheduling_app, SchedulingSettings, name="bad-sched")


@pytest.mark.parametrize(
    ("case", "body", "status", "says"),
    [
        ("malformed JSON", b'{"centre_id": "bad-input-house",', 422, "json_invalid"),
        ("binary junk", bytes(range(256)) * 4, 422, "json_invalid"),
        ("invalid UTF-8", GOOD_CENTRE.replace(b"Input", b"\xff\xfe"), 400, "error parsing"),
        ("a wrong type", centre_with(display_name="42"), 422, "string_type"),
        ("a query operator", centre_with(display_name='{"$gt": ""}'), 422, "string_type"),
        ("a key starting with $", centre_with(**{"$where": '"1 == 1"'}), 422, "extra_forbidden"),
        ("a key with a dot", centre_with(**{"display.name": '"x"'}), 422, "extra_forbidden"),
        ("a NUL in a name", centre_with(display_name='"Bad\\u0000House"'), 422, "pattern_mismatch"),
        ("a control character", centre_with(region='"no\\u001brth"'), 422, "pattern_mismatch"),
        ("an unknown timezone", centre_with(timezone='"Mars/Olympus"'), 422, "timezone"),
        ("a timezone that is a directory", centre_with(timezone='"America"'), 422, "timezone"),
        ("a timezone path", centre_with(timezone='"/etc/localtime"'), 422, "timezone"),
        ("oversized", centre_with(display_name=f'"{CANARY}{"x" * 100_000}"'), 413, "larger than"),
    ],
)  # fmt: skip
async def test_a_hostile_centre_body_is_refused_with_a_reason(
    intake: httpx.AsyncClient, case: str, body: bytes, status: int, says: str
) -> None:
    response = await intake.put(
        f"/centres/{CENTRE}",
        content=body,
        headers={**headers(Role.COORDINATOR, CENTRE), "content-type": "application/json"},
    )
    assert response.status_code == status, (case, response.text)
    assert says in response.text, (case, response.text)
    assert CANARY not in response.text


@pytest.mark.parametrize(
    ("case", "path"),
    [
        ("an operator as a centre id", "/centres/$gt/persons"),
        ("a dotted centre id", "/centres/a.b/persons"),
        ("an encoded NUL in a centre id", "/centres/a%00b/persons"),
        ("an over-long centre id", f"/centres/{'c' * 65}/persons"),
    ],
)
async def test_a_hostile_path_is_refused(intake: httpx.AsyncClient, case: str, path: str) -> None:
    response = await intake.post(path, headers=headers(Role.OPS, "*", reason="hostile paths"))
    assert response.status_code == 422, (case, response.text)
    assert "centre_id" in response.text


async def test_a_chunked_body_over_the_limit_is_refused(intake: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(100):
            yield b"x" * 1024

    response = await intake.put(
        f"/centres/{CENTRE}",
        content=chunks(),
        headers={**headers(Role.COORDINATOR, CENTRE), "content-type": "application/json"},
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("case", "body", "says"),
    [
        ("an unknown timezone", {"timezone": "../../etc/passwd", "weekly": []}, "timezone"),
        ("a timezone that is a directory", {"timezone": "Europe", "weekly": []}, "timezone"),
        (
            "a window ending before it starts",
            {"timezone": "UTC", "weekly": [{"weekday": 1, "start": "18:00", "end": "17:00"}]},
            "end must be after start",
        ),
        ("an operator as a centre", {**NO_WINDOWS, "centres": [{"$ne": 1}]}, "centres"),
        ("a $ key", {**NO_WINDOWS, "$set": {"x": 1}}, "extra_forbidden"),
        (
            "a weekday of 7",
            {"timezone": "UTC", "weekly": [{"weekday": 7, "start": "09:00", "end": "10:00"}]},
            "weekday",
        ),
    ],
)
async def test_hostile_availability_is_refused(
    scheduling: httpx.AsyncClient, case: str, body: dict[str, object], says: str
) -> None:
    response = await scheduling.put(
        "/supporters/p-bad1/availability",
        json=body,
        headers=headers(Role.SUPPORTER, CENTRE, "p-bad1"),
    )
    assert response.status_code == 422, (case, response.text)
    assert says in response.text, (case, response.text)


async def test_each_service_accepts_only_tokens_meant_for_it(
    intake: httpx.AsyncClient, scheduling: httpx.AsyncClient
) -> None:
    centre = GOOD_CENTRE.replace(b"bad-input-house", TOKEN_CENTRE.encode())
    json_body = {"content-type": "application/json"}
    for_scheduling = headers(Role.COORDINATOR, TOKEN_CENTRE, audiences=[audience_of("scheduling")])
    for_intake = headers(Role.COORDINATOR, TOKEN_CENTRE, audiences=[audience_of("intake")])

    refused = await intake.put(
        f"/centres/{TOKEN_CENTRE}", content=centre, headers={**for_scheduling, **json_body}
    )
    assert refused.status_code == 401, refused.text
    assert "not meant for this service (aud)" in refused.json()["detail"]
    assert 'error="invalid_token"' in refused.headers["www-authenticate"]
    nothing = await intake.get(f"/centres/{TOKEN_CENTRE}", headers=for_intake)
    assert nothing.status_code == 404, nothing.text

    accepted = await intake.put(
        f"/centres/{TOKEN_CENTRE}", content=centre, headers={**for_intake, **json_body}
    )
    assert accepted.status_code == 200, accepted.text
    sessions = await scheduling.get(f"/centres/{TOKEN_CENTRE}/sessions", headers=for_scheduling)
    assert sessions.status_code == 200, sessions.text
    crossed = await scheduling.get(f"/centres/{TOKEN_CENTRE}/sessions", headers=for_intake)
    assert crossed.status_code == 401, crossed.text


@pytest.mark.parametrize(
    ("case", "claims", "kid", "says"),
    [
        ("a coordinator for every centre", {"centre": "*"}, DEFAULT_KID, "only for the ops role"),
        ("a supporter for every centre", {"centre": "*", "role": "supporter"}, DEFAULT_KID, "ops"),
        ("expired", {"iat": 1_700_000_000, "exp": 1_700_000_600}, DEFAULT_KID, "expired"),
        ("a week long", {"exp": 2_000_000_000}, DEFAULT_KID, "lives longer"),
        ("another issuer", {"iss": "https://elsewhere"}, DEFAULT_KID, "(iss)"),
        ("a retired key", {}, "2020-01", "key id"),
    ],
)
async def test_a_token_outside_the_rules_is_refused_with_the_reason(
    intake: httpx.AsyncClient, case: str, claims: dict[str, object], kid: str, says: str
) -> None:
    response = await intake.get(f"/centres/{TOKEN_CENTRE}", headers=bearer(claims, kid=kid))
    assert response.status_code == 401, (case, response.text)
    assert says in response.json()["detail"], (case, response.text)
    assert SECRET not in response.text


async def test_after_all_that_good_requests_still_work_and_nothing_bad_was_published(
    intake: httpx.AsyncClient, servers: Servers, topics: Topics
) -> None:
    response = await intake.put(
        f"/centres/{CENTRE}",
        content=GOOD_CENTRE,
        headers={**headers(Role.COORDINATOR, CENTRE), "content-type": "application/json"},
    )
    assert response.status_code == 200, response.text
    assert (await intake.get("/health")).status_code == 200
    records = await read_all(servers.kafka, [topics.centre_events], idle_seconds=0.5)
    ours = [r.value for r in records if r.key == CENTRE.encode()]
    assert ours, "the good centre was not published"
    for value in ours:
        assert CANARY.encode() not in value
        assert b"$" not in value
        assert b"\\u0000" not in value
