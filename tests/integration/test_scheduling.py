"""Scheduling against the real servers: eligibility in, sessions filled, never double-booked."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from peerlink_devtools.kafka_watch import read_all, wait_for_zero_lag
from peerlink_scheduling.bootstrap import bootstrap
from peerlink_scheduling.domain.matching import SessionRequest
from peerlink_scheduling.settings import SchedulingSettings
from peerlink_shared.contracts import EligibilityChanged
from peerlink_shared.messaging.topics import Topics
from peerlink_shared.security.auth import Role
from peerlink_shared.storage.mongo import MAX_UPDATES_PER_COMMAND, make_mongo_client

from tests.integration.helpers import (
    envelope_for,
    eventually,
    headers,
    publish,
    served,
)
from tests.integration.scheduler_replicas import raced
from tests.servers import Servers

TOMORROW = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)


scheduling = served(bootstrap, SchedulingSettings, name="scheduling")


def became_eligible(person_id: str, centre_id: str, eligible: bool = True) -> EligibilityChanged:
    return EligibilityChanged(
        person_id=person_id,
        centre_id=centre_id,
        eligible=eligible,
        reasons=(),
        decided_on=TOMORROW.date(),
    )


async def request_session(
    client: httpx.AsyncClient, centre_id: str, *, needed: int = 1, hours: int = 0
) -> dict[str, object]:
    response = await client.post(
        f"/centres/{centre_id}/sessions",
        json={
            "starts_at": (TOMORROW + timedelta(hours=hours)).isoformat(),
            "duration_minutes": 60,
            "supporters_needed": needed,
        },
        headers=headers(Role.COORDINATOR, centre_id),
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


async def schedule(client: httpx.AsyncClient, centre_id: str) -> list[dict[str, object]]:
    response = await client.get(
        f"/centres/{centre_id}/sessions", headers=headers(Role.COORDINATOR, centre_id)
    )
    assert response.status_code == 200
    sessions: list[dict[str, object]] = response.json()
    return sessions


async def test_a_newly_eligible_supporter_fills_an_open_session(
    scheduling: httpx.AsyncClient, servers: Servers, topics: Topics
) -> None:
    session = await request_session(scheduling, "centre-a")
    assert session["assignments"] == []
    await publish(
        servers.kafka,
        topics.eligibility_changes,
        envelope_for(became_eligible("p-a1", "centre-a"), subject="p-a1"),
    )

    async def filled() -> list[object] | None:
        (found,) = await schedule(scheduling, "centre-a")
        return found["assignments"] or None  # type: ignore[return-value]

    (assignment,) = await eventually(filled)
    assert assignment["supporter_id"] == "p-a1"  # type: ignore[index]

    async def announced() -> list[dict[str, Any]] | None:
        records = await read_all(servers.kafka, [topics.session_events], idle_seconds=0.5)
        events = [
            json.loads(r.value) for r in records if r.key == str(session["session_id"]).encode()
        ]
        assigned = [e for e in events if e["type"] == "peerlink.session.supporter-assigned.v1"]
        return assigned or None

    (event,) = await eventually(announced)
    assert event["data"]["supporter_id"] == "p-a1"
    bookings = await scheduling.get(
        "/supporters/p-a1/bookings", headers=headers(Role.SUPPORTER, "centre-a", "p-a1")
    )
    assert [b["session_id"] for b in bookings.json()] == [session["session_id"]]


async def test_a_request_is_filled_at_once_when_someone_is_eligible(
    scheduling: httpx.AsyncClient, servers: Servers, topics: Topics
) -> None:
    await publish(
        servers.kafka,
        topics.eligibility_changes,
        envelope_for(became_eligible("p-b1", "centre-b"), subject="p-b1"),
    )

    async def known() -> list[object] | None:
        session = await request_session(
            scheduling, "centre-b", hours=len(await schedule(scheduling, "centre-b")) * 3
        )
        return session["assignments"] or None  # type: ignore[return-value]

    (assignment,) = await eventually(known)
    assert assignment["supporter_id"] == "p-b1"  # type: ignore[index]


async def test_a_duplicate_eligibility_event_assigns_no_one_twice(
    scheduling: httpx.AsyncClient, servers: Servers, topics: Topics
) -> None:
    await request_session(scheduling, "centre-c", needed=2)
    event = envelope_for(became_eligible("p-c1", "centre-c"), subject="p-c1")
    await publish(servers.kafka, topics.eligibility_changes, event, event, event)

    async def filled() -> list[object] | None:
        (found,) = await schedule(scheduling, "centre-c")
        return found["assignments"] or None  # type: ignore[return-value]

    await eventually(filled)
    await asyncio.sleep(2)
    (found,) = await schedule(scheduling, "centre-c")
    assignments: list[dict[str, str]] = found["assignments"]  # type: ignore[assignment]
    assert [a["supporter_id"] for a in assignments] == ["p-c1"]


async def test_two_replicas_racing_never_double_book(
    servers: Servers, topics: Topics, run_id: str
) -> None:
    """Two scheduler instances on one database fill the same sessions at the same moment."""
    # Many fills side by side: a bounded pool keeps their updates under FerretDB's limit.
    client = make_mongo_client(servers.mongo_url, max_pool_size=MAX_UPDATES_PER_COMMAND)
    db = client[f"{run_id}_race"]
    sessions = [
        SessionRequest(
            f"s-race-{n}", "race", TOMORROW + timedelta(hours=2 * n), timedelta(hours=1), 2
        )
        for n in range(10)
    ]
    _, stores = await raced(
        db, topics, centre="race", supporters=("p-r1", "p-r2", "p-r3"), sessions=sessions, rounds=3
    )

    for session in sessions:
        assignments = await stores.sessions.assignments_of(session.session_id)
        supporters = [a.supporter_id for a in assignments]
        assert len(supporters) == 2, session.session_id
        assert len(set(supporters)) == 2
    announced = await db["outbox"].count_documents({"body": {"$regex": "supporter-assigned"}})
    assert announced == 20
    await client.close()


async def test_a_revoked_supporter_is_replaced_on_future_sessions(
    scheduling: httpx.AsyncClient, servers: Servers, topics: Topics
) -> None:
    first = envelope_for(became_eligible("p-d1", "centre-d"), subject="p-d1")
    await publish(servers.kafka, topics.eligibility_changes, first)
    session = await eventually(lambda: _filled_by(scheduling, "centre-d", "p-d1"))
    second = envelope_for(became_eligible("p-d2", "centre-d"), subject="p-d2")
    revoked = envelope_for(became_eligible("p-d1", "centre-d", eligible=False), subject="p-d1")
    await publish(servers.kafka, topics.eligibility_changes, second)
    await publish(servers.kafka, topics.eligibility_changes, revoked, revoked)

    await eventually(lambda: _filled_by(scheduling, "centre-d", "p-d2"))
    (found,) = await schedule(scheduling, "centre-d")
    assert [a["supporter_id"] for a in found["assignments"]] == ["p-d2"]  # type: ignore[attr-defined]

    async def session_story() -> list[tuple[str, str]] | None:
        records = await read_all(servers.kafka, [topics.session_events], idle_seconds=0.5)
        story = [
            (e["type"].split(".")[-2], e["data"]["supporter_id"])
            for e in (json.loads(r.value) for r in records if r.key == session.encode())
            if "supporter_id" in e["data"]
        ]
        return story if len(story) >= 3 else None

    assert await eventually(session_story) == [
        ("supporter-assigned", "p-d1"),
        ("supporter-unassigned", "p-d1"),
        ("supporter-assigned", "p-d2"),
    ]


async def test_a_supporter_keeps_sessions_from_the_day_they_qualify_again(
    scheduling: httpx.AsyncClient, servers: Servers, topics: Topics
) -> None:
    """Ineligible until a known day (time alone is missing): sessions before it are released,
    those on or after it are kept."""
    await publish(
        servers.kafka,
        topics.eligibility_changes,
        envelope_for(became_eligible("p-k1", "centre-k"), subject="p-k1"),
    )
    soon = await request_session(scheduling, "centre-k", hours=0)
    later = await request_session(scheduling, "centre-k", hours=24 * 10)

    async def held() -> list[str] | None:
        sessions = await schedule(scheduling, "centre-k")
        booked = [
            str(s["session_id"])
            for s in sessions
            if [a["supporter_id"] for a in s["assignments"]] == ["p-k1"]  # type: ignore[attr-defined]
        ]
        return booked

    assert await eventually(lambda: _exactly(held, 2)) == [soon["session_id"], later["session_id"]]
    not_yet = EligibilityChanged(
        person_id="p-k1",
        centre_id="centre-k",
        eligible=False,
        reasons=("sober_too_short",),
        eligible_from=TOMORROW.date() + timedelta(days=5),
        decided_on=TOMORROW.date(),
    )
    await publish(
        servers.kafka,
        topics.eligibility_changes,
        envelope_for(not_yet, subject="p-k1"),
    )
    assert await eventually(lambda: _exactly(held, 1)) == [later["session_id"]]
    records = await read_all(servers.kafka, [topics.session_events], idle_seconds=0.5)
    kept = [
        json.loads(r.value)["type"].split(".")[-2]
        for r in records
        if r.key == str(later["session_id"]).encode()
    ]
    assert "supporter-unassigned" not in kept, "the later session was taken away and given back"


async def _exactly(
    probe: Callable[[], Awaitable[list[str] | None]], count: int
) -> list[str] | None:
    found = await probe()
    return found if found is not None and len(found) == count else None


async def _filled_by(client: httpx.AsyncClient, centre_id: str, supporter_id: str) -> str | None:
    sessions = await schedule(client, centre_id)
    if not sessions:
        await request_session(client, centre_id)
        return None
    (found,) = sessions
    supporters = [a["supporter_id"] for a in found["assignments"]]  # type: ignore[attr-defined]
    return str(found["session_id"]) if supporters == [supporter_id] else None


async def test_racing_replicas_never_book_one_supporter_at_overlapping_times(
    servers: Servers, topics: Topics, run_id: str
) -> None:
    """Four sessions at the same hour, three supporters, two replicas filling all at once."""
    # Many fills side by side: a bounded pool keeps their updates under FerretDB's limit.
    client = make_mongo_client(servers.mongo_url, max_pool_size=MAX_UPDATES_PER_COMMAND)
    db = client[f"{run_id}_overlap"]
    sessions = [
        SessionRequest(
            f"s-ov-{n}", "overlap", TOMORROW + timedelta(minutes=10 * n), timedelta(hours=1), 1
        )
        for n in range(4)
    ]
    replicas, stores = await raced(
        db,
        topics,
        centre="overlap",
        supporters=("p-o1", "p-o2", "p-o3"),
        sessions=sessions,
        rounds=2,
    )

    async def booked() -> list[str]:
        return [
            a.supporter_id
            for s in sessions
            for a in await stores.sessions.assignments_of(s.session_id)
        ]

    racing = await booked()
    assert len(racing) == len(set(racing)), f"double-booked: {racing}"
    # A fill that lost every race leaves a slot for the next event to fill; one more pass
    # (as the next event would make) completes it, still without double-booking.
    for session in sessions:
        await replicas[0].fill(session, correlation_id="later")
    assert sorted(await booked()) == ["p-o1", "p-o2", "p-o3"]
    await client.close()


async def test_only_available_supporters_are_booked(
    scheduling: httpx.AsyncClient, servers: Servers, topics: Topics, run_id: str
) -> None:
    for supporter in ("p-e1", "p-e2"):
        event = envelope_for(became_eligible(supporter, "centre-e"), subject=supporter)
        await publish(servers.kafka, topics.eligibility_changes, event)
    # p-e1 (alphabetically first, so chosen when free) serves only on one evening a week.
    starts_at = (TOMORROW + timedelta(days=7)).replace(hour=18, minute=0, second=0)
    evening = {"weekday": starts_at.weekday(), "start": "17:00", "end": "21:00"}
    own = headers(Role.SUPPORTER, "centre-e", "p-e1")
    response = await scheduling.put(
        "/supporters/p-e1/availability",
        json={"timezone": "UTC", "weekly": [evening], "max_sessions_per_week": 1},
        headers=own,
    )
    assert response.status_code == 204, response.text
    bad = await scheduling.put(
        "/supporters/p-e1/availability",
        json={"timezone": "Mars/Olympus", "weekly": [{**evening, "end": "16:00"}]},
        headers=own,
    )
    assert {tuple(e["loc"])[:2] for e in bad.json()["detail"]} == {
        ("body", "timezone"),
        ("body", "weekly"),
    }

    await wait_for_zero_lag(servers.kafka, {f"{run_id}-scheduling": [topics.eligibility_changes]})

    async def book(at: datetime) -> list[str] | None:
        response = await scheduling.post(
            "/centres/centre-e/sessions",
            json={"starts_at": at.isoformat(), "duration_minutes": 60, "supporters_needed": 1},
            headers=headers(Role.COORDINATOR, "centre-e"),
        )
        chosen = [a["supporter_id"] for a in response.json()["assignments"]]
        return chosen or None

    assert await book(starts_at) == ["p-e1"]
    # A day later is another weekday; an hour later the same evening is over the weekly cap.
    assert await book(starts_at + timedelta(days=1)) == ["p-e2"]
    assert await book(starts_at + timedelta(hours=1)) == ["p-e2"]


async def test_staffing_is_reported_to_the_centre_once_per_change(
    scheduling: httpx.AsyncClient, servers: Servers, topics: Topics
) -> None:
    session = await request_session(scheduling, "centre-f")

    async def reason_shown() -> object:
        found = {s["session_id"]: s for s in await schedule(scheduling, "centre-f")}
        return found[session["session_id"]]["unfilled_reason"]

    # The schedule says why its slots are open, as the event did.
    assert await eventually(reason_shown) == "no_eligible_supporters"
    await request_session(scheduling, "centre-f", hours=5)  # a second fill at the centre
    supporter = envelope_for(became_eligible("p-f1", "centre-f"), subject="p-f1")
    await publish(servers.kafka, topics.eligibility_changes, supporter, supporter)

    async def story() -> list[dict[str, Any]] | None:
        records = await read_all(servers.kafka, [topics.session_events], idle_seconds=0.5)
        events = [
            json.loads(r.value) for r in records if r.key == str(session["session_id"]).encode()
        ]
        staffing = [e for e in events if e["type"].split(".")[2] in {"filled", "unfilled"}]
        return staffing if len(staffing) >= 2 else None

    unfilled, filled = await eventually(story)
    assert unfilled["data"]["reason"] == "no_eligible_supporters"
    assert unfilled["data"]["open_slots"] == 1
    assert filled["data"]["supporter_ids"] == ["p-f1"]

    async def reason_gone() -> bool:
        return await reason_shown() is None

    assert await eventually(reason_gone)


async def test_a_cancelled_session_releases_its_supporters(
    scheduling: httpx.AsyncClient, servers: Servers, topics: Topics
) -> None:
    supporter = envelope_for(became_eligible("p-g1", "centre-g"), subject="p-g1")
    await publish(servers.kafka, topics.eligibility_changes, supporter)
    session_id = await eventually(lambda: _filled_by(scheduling, "centre-g", "p-g1"))
    coordinator = headers(Role.COORDINATOR, "centre-g")
    other = await scheduling.delete(
        f"/centres/centre-g/sessions/{session_id}", headers=headers(Role.COORDINATOR, "centre-h")
    )
    assert other.status_code == 403
    cancelled = await scheduling.delete(
        f"/centres/centre-g/sessions/{session_id}", headers=coordinator
    )
    assert cancelled.status_code == 204
    assert await schedule(scheduling, "centre-g") == []
    bookings = await scheduling.get(
        "/supporters/p-g1/bookings", headers=headers(Role.SUPPORTER, "centre-g", "p-g1")
    )
    assert bookings.json() == []

    async def announced() -> dict[str, Any] | None:
        records = await read_all(servers.kafka, [topics.session_events], idle_seconds=0.5)
        for record in records:
            event = json.loads(record.value)
            if (
                record.key == session_id.encode()
                and event["type"] == "peerlink.session.cancelled.v1"
            ):
                found: dict[str, Any] = event
                return found
        return None

    event = await eventually(announced)
    assert event["data"]["supporter_ids"] == ["p-g1"]
