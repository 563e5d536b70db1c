"""The authorisation matrix against the real servers: every route the four apps serve, called
as every kind of caller (tests/authorisation_matrix.py), answers as its row in
tests/authorisation_table.py says — allowed, or refused with 401 or 403 by the authorisation
itself, not by some later check.

The routes come from the apps' own route tables, so a route without a row fails here (and,
without servers, in tests/unit/test_authorisation_table.py). The path names a centre that
has registered both persons; the token's centre is that centre, another, or `*`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TypeVar

import httpx
import jwt
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
from peerlink_shared.security.auth import ALL_AUDIENCES, ALL_CENTRES, Role
from peerlink_shared.security.auth_local import DEFAULT_KID, LOCAL_ISSUER
from peerlink_shared.settings import ServiceSettings

from tests.authorisation_matrix import (
    Cell,
    Outcome,
    ServedRoute,
    Subject,
    TokenCentre,
    cells,
    expected,
    row_for,
    served_routes,
)
from tests.authorisation_table import CENTRE, PERSON, Row
from tests.integration.helpers import SECRET, Starter, eventually, headers
from tests.servers import Servers

S = TypeVar("S", bound=ServiceSettings)
OWN, ANOTHER = "matrix-own", "matrix-other"
REASON = "matrix: authorisation test"
TODAY = datetime.now(UTC).date()
# How the authorisation words its refusals (shared.http, shared.person_access): a 401 or 403
# in other words comes from a later check, which means the authorisation let the call through.
UNAUTHENTICATED = ("a bearer token is required", "the bearer token was refused")
FORBIDDEN = (
    "may not do this; needs one of",
    "this token is for another centre",
    "only the person themself (or ops for every centre, *) may do this",
    "an ops token reaches a person's data only with a stated reason",
    "or a coordinator of a centre linked to the person, may do this",
)
ALLOWED_AFTER_THE_DECISION = {404, 409, 422}
# Routes no caller completes in this world, and why. Every other route must answer some
# allowed caller with a 2xx, so that "allowed" is not only a 404 or a 409 everywhere.
NO_SUCCESS_HERE = {
    f"POST {PERSON}/referral-acceptances": "both persons are linked here already (409)",
}


CLINIC = "matrix-ehr"


@dataclass(frozen=True)
class World:
    """What the matrix acts on: persons registered at OWN, a session there and a job."""

    person: str  # the supporter's own id
    other_person: str
    to_erase: str  # the erasure routes' own: erasing `person` would change every other row
    session: str
    job: str

    def path(self, row: Row, cell: Cell) -> str:
        person = self.other_person if cell.person is Subject.ANOTHER else self.person
        if row.path.endswith("/erasure"):
            person = self.other_person if cell.person is Subject.ANOTHER else self.to_erase
        values = {
            "centre_id": OWN,
            "person_id": person,
            "session_id": self.session,
            "job_id": self.job,
            "clinic": CLINIC,
        }
        try:
            return row.path.format(**values)
        except KeyError as missing:
            pytest.fail(f"{row.route}: World has no value for {{{missing.args[0]}}}; add one")


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


def soon(days: int, hours: int = 0) -> str:
    return (datetime.now(UTC) + timedelta(days=days, hours=hours)).isoformat()


Body = Callable[[World], dict[str, object]]
# A valid body per route that takes one: refused callers must meet the authorisation, not a 422.
BODIES: dict[str, Body] = {
    f"PUT {CENTRE}": lambda w: {
        "centre_id": OWN,
        "display_name": "Matrix House",
        "region": "north",
        "timezone": "UTC",
    },
    f"POST {PERSON}/admissions": lambda w: {"admitted_on": day(-400)},
    f"POST {PERSON}/programme-ends": lambda w: {"ended_on": day(-380), "outcome": "completed"},
    f"POST {PERSON}/discharges": lambda w: {"discharged_on": day(-380)},
    f"POST {PERSON}/sobriety-milestones": lambda w: {
        "sober_since": day(-370),
        "days": 370,
        "recorded_on": day(0),
    },
    f"POST {PERSON}/relapses": lambda w: {"relapsed_on": day(-1)},
    f"POST {PERSON}/craving-check-ins": lambda w: {"level": 2, "checked_on": day(0)},
    f"POST {PERSON}/volunteering": lambda w: {"volunteering": True, "changed_on": day(0)},
    f"POST {PERSON}/trainings": lambda w: {"completed_on": day(-10), "expires_on": day(355)},
    f"POST {PERSON}/background-checks": lambda w: {
        "cleared_on": day(-10),
        "expires_on": day(355),
    },
    f"POST {PERSON}/referrals": lambda w: {"to_centre_id": ANOTHER, "referred_on": day(0)},
    f"POST {PERSON}/referral-acceptances": lambda w: {
        "referred_by_centre_id": ANOTHER,
        "accepted_on": day(0),
    },
    f"POST {PERSON}/link-consents": lambda w: {"to_centre_id": ANOTHER, "consented_on": day(0)},
    f"POST {PERSON}/link-consent-withdrawals": lambda w: {
        "from_centre_id": ANOTHER,
        "withdrawn_on": day(0),
    },
    f"POST {PERSON}/network-sharing": lambda w: {"sharing": True, "changed_on": day(0)},
    f"PUT {CENTRE}/policy": lambda w: {},
    f"POST {CENTRE}/policy/preview": lambda w: {"min_sober_days": 400},
    f"POST {CENTRE}/sessions": lambda w: {"starts_at": soon(3), "duration_minutes": 60},
    f"POST {CENTRE}/meetings": lambda w: {
        "resident_id": w.other_person,
        "window_starts_at": soon(3),
        "window_ends_at": soon(3, hours=4),
    },
    f"PUT {CENTRE}/residents/{{person_id}}/exclusions": lambda w: {"supporter_ids": []},
    "PUT /supporters/{person_id}/availability": lambda w: {"timezone": "UTC", "weekly": []},
    "PUT /persons/{person_id}/contact": lambda w: {},
    f"PUT {CENTRE}/contact": lambda w: {},
    "PUT /clinics/{clinic}": lambda w: {"centres": [OWN]},
    "POST /persons/{person_id}/erasure": lambda w: {"reason": "matrix: erasure request"},
}


def signed(claims: dict[str, object], *, secret: str = SECRET) -> str:
    """A token minted by hand: what the services' own minter refuses to write."""
    now = int(datetime.now(UTC).timestamp())
    base: dict[str, object] = {
        "iss": LOCAL_ISSUER,
        "aud": list(ALL_AUDIENCES),
        "iat": now,
        "exp": now + 600,
    }
    return jwt.encode({**base, **claims}, secret, algorithm="HS256", headers={"kid": DEFAULT_KID})


def credentials(cell: Cell, world: World) -> dict[str, str]:
    if cell.role is None:
        return {}
    subject = world.person if cell.role is Role.SUPPORTER else f"matrix-{cell.role.value}"
    centre = {TokenCentre.OWN: OWN, TokenCentre.ANOTHER: ANOTHER}.get(cell.centre, ALL_CENTRES)
    claims: dict[str, object] = {"sub": subject, "centre": centre, "role": cell.role.value}
    if cell.forged:
        return {"Authorization": f"Bearer {signed(claims, secret=SECRET[::-1])}"}
    reason = REASON if cell.reason else None
    if centre == ALL_CENTRES and cell.role is not Role.OPS:
        # `*` for another role: issue_token will not mint it, so it is signed by hand.
        return {"Authorization": f"Bearer {signed(claims)}"}
    return headers(cell.role, centre, subject, reason=reason)


def verdict(outcome: Outcome, response: httpx.Response) -> str | None:
    """None if the answer is the outcome the table expects; else what went wrong."""
    status, detail = response.status_code, _detail(response)
    if outcome is Outcome.ALLOWED:
        if 200 <= status < 300 or status in ALLOWED_AFTER_THE_DECISION:
            return None
        return f"expected allowed, got {status}: {detail}"
    wanted, phrases = (
        (401, UNAUTHENTICATED) if outcome is Outcome.UNAUTHENTICATED else (403, FORBIDDEN)
    )
    if status == wanted and any(phrase in detail for phrase in phrases):
        return None
    if status == wanted:
        return f"expected {wanted} from the authorisation, got one from a later check: {detail}"
    hint = " (is there a valid body for it in BODIES?)" if status == 422 else ""
    return f"expected {wanted}, got {status}{hint}: {detail}"


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    return str(body.get("detail", body))[:300] if isinstance(body, dict) else str(body)[:300]


@pytest.fixture(scope="module")
async def apps(
    servers: Servers, topics: Topics, run_id: str
) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """One in-process app per service, all on this run's topics, so events flow between
    them as in production."""
    async with AsyncExitStack() as stack:
        start = Starter(stack, servers, topics, run_id, prefix="matrix").start
        yield {
            "intake": await start("intake", intake_app, IntakeSettings),
            "eligibility": await start("eligibility", eligibility_app, EligibilitySettings),
            "scheduling": await start("scheduling", scheduling_app, SchedulingSettings),
            "notifications": await start("notifications", notifications_app, NotificationsSettings),
        }


@pytest.fixture(scope="module")
async def world(apps: dict[str, httpx.AsyncClient]) -> World:
    coordinator = headers(Role.COORDINATOR, OWN, "matrix-setup")
    ops = headers(Role.OPS, ALL_CENTRES, "matrix-setup", reason=REASON)
    intake, eligibility = apps["intake"], apps["eligibility"]
    for centre in (OWN, ANOTHER):
        body = {"centre_id": centre, "display_name": centre, "region": "north", "timezone": "UTC"}
        registered = await intake.put(f"/centres/{centre}", json=body, headers=ops)
        assert registered.status_code == 200, registered.text
    persons = []
    for _ in range(3):
        response = await intake.post(f"/centres/{OWN}/persons", headers=coordinator)
        assert response.status_code == 201, response.text
        persons.append(response.json()["person_id"])
    person, other_person, to_erase = persons

    async def linked_in_eligibility(person_id: str) -> bool:
        # Until eligibility has the registration, the centre is not yet "linked" there.
        path = f"/centres/{OWN}/persons/{person_id}/decision"
        return (await eligibility.get(path, headers=coordinator)).status_code != 403

    for person_id in persons[:2]:
        await eventually(partial(linked_in_eligibility, person_id))
    changed = await eligibility.put(f"/centres/{OWN}/policy", json={}, headers=coordinator)
    assert changed.status_code == 202, changed.text
    job = changed.json()["job_id"]

    async def job_started() -> bool:
        return (await eligibility.get(f"/jobs/{job}", headers=coordinator)).status_code == 200

    await eventually(job_started)
    session = await apps["scheduling"].post(
        f"/centres/{OWN}/sessions",
        json={"starts_at": soon(5), "duration_minutes": 60},
        headers=coordinator,
    )
    assert session.status_code == 201, session.text
    for person_id in persons[:2]:
        saved = await apps["notifications"].put(
            f"/persons/{person_id}/contact", json={}, headers=ops
        )
        assert saved.status_code == 200, saved.text
    saved = await apps["notifications"].put(f"/centres/{OWN}/contact", json={}, headers=ops)
    assert saved.status_code == 200, saved.text
    clinic = await intake.put(f"/clinics/{CLINIC}", json={"centres": [OWN]}, headers=ops)
    assert clinic.status_code == 200, clinic.text
    return World(
        person=person,
        other_person=other_person,
        to_erase=to_erase,
        session=session.json()["session_id"],
        job=job,
    )


@pytest.mark.parametrize("route", served_routes(), ids=lambda route: route.name)
async def test_each_caller_gets_what_the_table_says(
    route: ServedRoute, apps: dict[str, httpx.AsyncClient], world: World
) -> None:
    row = row_for(route.service, route.route)
    assert row is not None, f"{route.name} has no row in tests/authorisation_table.py"
    body = BODIES.get(row.route)
    client = apps[route.service]
    wrong: list[str] = []
    allowed, completed = 0, 0
    for cell in cells(row):
        response = await client.request(
            row.method,
            world.path(row, cell),
            json=None if body is None else body(world),
            headers=credentials(cell, world),
        )
        outcome = expected(row, cell)
        problem = verdict(outcome, response)
        if problem is not None:
            wrong.append(f"{cell.label}: {problem}")
        allowed += outcome is Outcome.ALLOWED
        completed += outcome is Outcome.ALLOWED and response.is_success
    if allowed and not completed and row.route not in NO_SUCCESS_HERE:
        wrong.append("no allowed caller got a 2xx: check its body in BODIES, or World")
    assert not wrong, f"{route.name}, {len(wrong)} cell(s) wrong:\n  " + "\n  ".join(wrong)
