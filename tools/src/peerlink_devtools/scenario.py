"""The foundation scenario, over the services' HTTP APIs, as a coordinator would play it.

A centre is registered; a person is admitted, completes the programme and volunteers; a
group session is requested; a 365-day sobriety milestone arrives. Eligibility, scheduling
and notifications then do the rest through Kafka.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import httpx
from peerlink_shared.security.auth import ALL_AUDIENCES, Role
from peerlink_shared.security.auth_local import LOCAL_ISSUER, SigningKey, issue_token, local_key

Say = Callable[[str], None]
Headers = dict[str, str]


@dataclass(frozen=True)
class ScenarioResult:
    centre_id: str
    person_id: str
    session_id: str
    milestone_event_id: str
    milestone_key: str
    milestone_body: dict[str, object]
    messages: list[dict[str, object]]


def bearer_headers(
    key: SigningKey,
    *,
    role: Role,
    centre: str,
    subject: str,
    reason: str | None = None,
    audiences: Sequence[str] = ALL_AUDIENCES,
) -> Headers:
    """Headers with an hour's bearer token signed with `key` by the local issuer, for every
    service unless `audiences` narrows it; `reason` goes in X-Access-Reason."""
    token = issue_token(
        key=key,
        issuer=LOCAL_ISSUER,
        audiences=audiences,
        subject=subject,
        centre=centre,
        role=role,
        now=datetime.now(UTC),
        ttl=timedelta(hours=1),
    )
    headers = {"Authorization": f"Bearer {token}"}
    if reason is not None:
        headers["X-Access-Reason"] = reason
    return headers


class Api:
    """Calls the services as a network started with PEERLINK_TOKEN_SECRET=`token_secret`
    (the default key id and issuer) would accept: every token is for all four services."""

    def __init__(self, urls: Mapping[str, str], token_secret: str) -> None:
        self._urls = urls
        self._key = local_key(token_secret)
        self._client = httpx.AsyncClient(timeout=10.0)

    def token(
        self, *, role: Role, centre: str, subject: str, reason: str | None = None
    ) -> dict[str, str]:
        """Headers with a bearer token; `reason` is the X-Access-Reason an ops token must
        state to reach a person's data (break-glass), kept in the audit trail."""
        return bearer_headers(self._key, role=role, centre=centre, subject=subject, reason=reason)

    async def call(
        self, method: str, service: str, path: str, *, headers: dict[str, str], json: object = None
    ) -> httpx.Response:
        return await self._client.request(
            method, f"{self._urls[service]}{path}", headers=headers, json=json
        )

    async def close(self) -> None:
        await self._client.aclose()


def _check(response: httpx.Response, expected: int) -> dict[str, object]:
    if response.status_code != expected:
        raise AssertionError(
            f"{response.request.method} {response.request.url.path}: "
            f"{response.status_code} {response.text}"
        )
    body: dict[str, object] = response.json() if response.content else {}
    return body


async def register_centre(api: Api, *, centre_id: str, name: str, coordinator: Headers) -> None:
    _check(
        await api.call(
            "PUT",
            "intake",
            f"/centres/{centre_id}",
            headers=coordinator,
            json={
                "centre_id": centre_id,
                "display_name": name,
                "region": "north",
                "timezone": "Europe/Dublin",
            },
        ),
        200,
    )


async def enrol_graduate(
    api: Api, *, centre_id: str, coordinator: Headers, today: date, say: Say
) -> str:
    """A person admitted two years ago who completed the programme, volunteers and checked
    in today: eligible once a year's sobriety is recorded. Returns their person id."""
    person = _check(
        await api.call("POST", "intake", f"/centres/{centre_id}/persons", headers=coordinator), 201
    )
    person_id = str(person["person_id"])
    say(f"intake issues pseudonymous person id {person_id}")
    base = f"/centres/{centre_id}/persons/{person_id}"

    say("coordinator records admission two years ago, and a completed programme")
    _check(
        await api.call(
            "POST",
            "intake",
            f"{base}/admissions",
            headers=coordinator,
            json={"admitted_on": str(today - timedelta(days=730))},
        ),
        202,
    )
    _check(
        await api.call(
            "POST",
            "intake",
            f"{base}/programme-ends",
            headers=coordinator,
            json={"ended_on": str(today - timedelta(days=640)), "outcome": "completed"},
        ),
        202,
    )
    supporter = api.token(role=Role.SUPPORTER, centre=centre_id, subject=person_id)
    say("the person volunteers as a peer supporter, and checks in: cravings 2 of 10")
    _check(
        await api.call(
            "POST",
            "intake",
            f"{base}/volunteering",
            headers=supporter,
            json={"volunteering": True, "changed_on": str(today)},
        ),
        202,
    )
    _check(
        await api.call(
            "POST",
            "intake",
            f"{base}/craving-check-ins",
            headers=supporter,
            json={"level": 2, "checked_on": str(today)},
        ),
        202,
    )
    return person_id


async def record_year_sober(
    api: Api, *, centre_id: str, person_id: str, coordinator: Headers, today: date, key: str
) -> tuple[dict[str, object], dict[str, object]]:
    """Posts a 365-day sobriety milestone; returns (what was sent, intake's answer)."""
    body: dict[str, object] = {
        "sober_since": str(today - timedelta(days=365)),
        "days": 365,
        "recorded_on": str(today),
    }
    recorded = _check(
        await api.call(
            "POST",
            "intake",
            f"/centres/{centre_id}/persons/{person_id}/sobriety-milestones",
            headers={**coordinator, "Idempotency-Key": key},
            json=body,
        ),
        202,
    )
    return body, recorded


async def play(api: Api, *, say: Say, today: date, wait_seconds: float = 60.0) -> ScenarioResult:
    centre_id = f"centre-{secrets.token_hex(3)}"
    coordinator = api.token(role=Role.COORDINATOR, centre=centre_id, subject="coordinator-1")

    say(f"coordinator registers centre {centre_id}")
    await register_centre(api, centre_id=centre_id, name="Harbour House", coordinator=coordinator)
    person_id = await enrol_graduate(
        api, centre_id=centre_id, coordinator=coordinator, today=today, say=say
    )
    supporter = api.token(role=Role.SUPPORTER, centre=centre_id, subject=person_id)

    starts_at = datetime.combine(today + timedelta(days=3), time(10, 0), tzinfo=UTC)
    session = _check(
        await api.call(
            "POST",
            "scheduling",
            f"/centres/{centre_id}/sessions",
            headers=coordinator,
            json={
                "starts_at": starts_at.isoformat(),
                "duration_minutes": 90,
                "supporters_needed": 1,
            },
        ),
        201,
    )
    session_id = str(session["session_id"])
    say(
        f"coordinator requests group session {session_id} at {starts_at:%Y-%m-%d %H:%M} UTC "
        "(no one eligible yet)"
    )

    milestone_key = f"milestone-{secrets.token_hex(4)}"
    say("a 365-day sobriety milestone arrives")
    milestone_body, recorded = await record_year_sober(
        api,
        centre_id=centre_id,
        person_id=person_id,
        coordinator=coordinator,
        today=today,
        key=milestone_key,
    )

    say("waiting for eligibility -> scheduling -> notifications ...")
    messages = await wait_for_messages(
        api, person_id=person_id, headers=supporter, at_least=1, timeout=wait_seconds
    )
    return ScenarioResult(
        centre_id=centre_id,
        person_id=person_id,
        session_id=session_id,
        milestone_event_id=str(recorded["event_id"]),
        milestone_key=milestone_key,
        milestone_body=milestone_body,
        messages=messages,
    )


async def wait_for_messages(
    api: Api, *, person_id: str, headers: dict[str, str], at_least: int, timeout: float
) -> list[dict[str, object]]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        response = await api.call(
            "GET", "notifications", f"/persons/{person_id}/messages", headers=headers
        )
        if response.status_code != 200:
            raise AssertionError(f"reading messages: {response.status_code} {response.text}")
        messages: list[dict[str, object]] = response.json()
        if len(messages) >= at_least:
            return messages
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"no message for {person_id} within {timeout}s")
        await asyncio.sleep(0.3)


async def retry_milestone(api: Api, result: ScenarioResult) -> httpx.Response:
    """The clinic sends the milestone again with the same Idempotency-Key."""
    coordinator = api.token(role=Role.COORDINATOR, centre=result.centre_id, subject="coordinator-1")
    return await api.call(
        "POST",
        "intake",
        f"/centres/{result.centre_id}/persons/{result.person_id}/sobriety-milestones",
        headers={**coordinator, "Idempotency-Key": result.milestone_key},
        json=result.milestone_body,
    )
