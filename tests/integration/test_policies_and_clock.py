"""Eligibility's policies and clock against the real servers: bulk re-evaluation with a job,
version conflicts, and a clock advance that grants eligibility with no new event."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from peerlink_devtools.kafka_watch import read_all
from peerlink_eligibility.adapters.repository import EligibilityRepository
from peerlink_eligibility.bootstrap import bootstrap
from peerlink_eligibility.service_layer.ports import RecordedFact, StoredFields
from peerlink_eligibility.settings import EligibilitySettings
from peerlink_shared.contracts import (
    CravingCheckInRecorded,
    ProgrammeEnded,
    SobrietyMilestoneRecorded,
    VolunteeringChanged,
)
from peerlink_shared.messaging.topics import Topics
from peerlink_shared.security.auth import Role
from peerlink_shared.storage.mongo import MAX_UPDATES_PER_COMMAND, make_mongo_client

from tests.fakes.clock import MovableClock
from tests.integration.helpers import (
    as_event,
    envelope_for,
    eventually,
    headers,
    in_process,
    opened,
    own_topics,
    publish,
)
from tests.servers import Servers

GRADUATES = 300


@pytest.fixture(scope="module")
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture(scope="module")
async def topics(servers: Servers, run_id: str) -> Topics:
    """This module's own topics: counts of persons and changes are exact only in isolation."""
    return await own_topics(servers, run_id, "policies")


@pytest.fixture(scope="module")
async def eligibility(
    servers: Servers, topics: Topics, run_id: str, clock: MovableClock
) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process(
        lambda settings: bootstrap(settings, clock=clock),
        EligibilitySettings,
        servers=servers,
        topics=topics,
        run_id=run_id,
        name="policies",
        review_interval_seconds=0.3,
    ) as client:
        yield client


async def seed_graduates(servers: Servers, run_id: str, *, centre: str, count: int) -> list[str]:
    """Graduates of `centre` who meet every other default criterion, written as facts; every
    other one chose to be offered across the network."""
    client = make_mongo_client(servers.mongo_url)
    repository = EligibilityRepository(client[f"{run_id}_policies"])
    today = datetime.now(UTC).date()
    persons = [f"p-grad-{n:05d}" for n in range(count)]

    async def seed(person: str) -> None:
        shares = int(person[-5:]) % 2 == 0
        facts: tuple[tuple[str, StoredFields], ...] = (
            ("completion", {"centre_id": centre, "ended_on": "2024-01-01"}),
            ("sobriety", {"sober_since": str(today - timedelta(days=500))}),
            ("check_in", {"checked_on": str(today), "level": 1}),
            ("consent", {"volunteering": True, "changed_on": str(today)}),
            ("sharing", {"sharing": shares, "changed_on": str(today)}),
        )
        for kind, fields in facts:
            await repository.add_fact(
                event_id=f"{person}-{kind}", fact=RecordedFact(person, kind, fields)
            )

    # Persons are independent documents: seeding them side by side is safe, a bounded number
    # at a time (FerretDB hangs when concurrent updates take its whole pool).
    side_by_side = MAX_UPDATES_PER_COMMAND
    for start in range(0, count, side_by_side):
        await asyncio.gather(*(seed(person) for person in persons[start : start + side_by_side]))
    await client.close()
    return persons


async def test_opening_a_centre_to_network_graduates_re_decides_those_who_share(
    eligibility: httpx.AsyncClient, servers: Servers, topics: Topics, run_id: str
) -> None:
    coordinator = headers(Role.COORDINATOR, "north")
    persons = await seed_graduates(servers, run_id, centre="south", count=GRADUATES)
    sharing = persons[::2]
    default = (await eligibility.get("/centres/north/policy", headers=coordinator)).json()
    assert (default["version"], default["accept_network_graduates"]) == (0, False)

    response = await eligibility.put(
        "/centres/north/policy",
        json={"accept_network_graduates": True, "expected_version": 0},
        headers=coordinator,
    )
    assert response.status_code == 202, response.text
    assert response.json()["policy"]["version"] == 1
    job_id = response.json()["job_id"]

    async def finished() -> dict[str, Any] | None:
        job = await eligibility.get(f"/jobs/{job_id}", headers=coordinator)
        return job.json() if job.status_code == 200 and job.json()["state"] == "done" else None

    job = await eventually(finished, timeout=120)
    # Every graduate is read; only those who share are decided (a finished job counts those
    # as done), all of them eligible.
    assert (job["total"], job["done"], job["changed"]) == (GRADUATES, len(sharing), len(sharing))
    eligible = await eligibility.get("/centres/north/eligible-supporters", headers=coordinator)
    assert eligible.json()["person_ids"] == sharing

    async def published() -> list[str] | None:
        records = await read_all(servers.kafka, [topics.eligibility_changes], idle_seconds=0.5)
        changes = [await opened(servers, e) for r in records if (e := as_event(r.value))]
        north = [c["data"]["person_id"] for c in changes if c and c["data"]["centre_id"] == "north"]
        return north if len(north) >= len(sharing) else None

    assert sorted(await eventually(published)) == sharing

    stale = await eligibility.put(
        "/centres/north/policy",
        json={"accept_network_graduates": False, "expected_version": 0},
        headers=coordinator,
    )
    assert stale.status_code == 409
    history = await eligibility.get("/centres/north/policy/versions", headers=coordinator)
    assert [version["version"] for version in history.json()] == [1]


async def test_policy_writes_are_checked(eligibility: httpx.AsyncClient) -> None:
    other = await eligibility.put(
        "/centres/north/policy", json={}, headers=headers(Role.COORDINATOR, "south")
    )
    assert other.status_code == 403
    bad = await eligibility.put(
        "/centres/north/policy",
        json={"craving_threshold": 11, "min_sober_days": -1},
        headers=headers(Role.COORDINATOR, "north"),
    )
    assert bad.status_code == 422
    fields = {tuple(error["loc"]) for error in bad.json()["detail"]}
    assert fields == {("body", "craving_threshold"), ("body", "min_sober_days")}


async def test_the_clock_grants_eligibility_with_no_new_event(
    eligibility: httpx.AsyncClient, servers: Servers, topics: Topics, clock: MovableClock
) -> None:
    person_id = "p-clock-1"
    today = clock.today()
    facts = [
        ProgrammeEnded(
            person_id=person_id, centre_id="west", ended_on=date(2024, 1, 1), outcome="completed"
        ),
        SobrietyMilestoneRecorded(
            person_id=person_id,
            sober_since=today - timedelta(days=364),
            days=364,
            recorded_on=today,
        ),
        CravingCheckInRecorded(person_id=person_id, level=0, checked_on=today),
        VolunteeringChanged(person_id=person_id, volunteering=True, changed_on=today),
    ]
    sent = [envelope_for(fact, subject=person_id) for fact in facts]
    await publish(servers.kafka, topics.person_events, *sent)
    coordinator = headers(Role.COORDINATOR, "west")

    async def decision(reasons: list[str]) -> dict[str, Any] | None:
        response = await eligibility.get(
            f"/centres/west/persons/{person_id}/decision", headers=coordinator
        )
        found: dict[str, Any] | None = response.json() if response.status_code == 200 else None
        return found if found and found["reasons"] == reasons else None

    waiting = await eventually(lambda: decision(["sober_too_short"]))
    assert waiting["eligible"] is False
    assert waiting["eligible_from"] == str(today + timedelta(days=1))

    clock.advance(timedelta(days=1))
    granted = await eventually(lambda: decision([]))
    assert granted["eligible"] is True

    async def announced() -> dict[str, Any] | None:
        records = await read_all(servers.kafka, [topics.eligibility_changes], idle_seconds=0.5)
        for record in records:
            event = as_event(record.value)
            event = None if event is None else await opened(servers, event)
            data = event["data"] if event else {}
            if (
                event
                and event["subject"] == person_id
                and data == {**data, "centre_id": "west", "eligible": True}
            ):
                return event
        return None

    event = await eventually(announced)
    assert event["data"]["eligible"] is True
    # The clock, not a fact, caused it: no person event carries this id as its cause.
    assert event["causationid"] not in {e.id for e in sent}
