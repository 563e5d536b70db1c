"""Health facts travel sealed: unreadable in the raw Kafka records, opened by the services
that need them, skipped for good once the person's key is destroyed, and dead-lettered when
altered."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from peerlink_devtools.kafka_watch import read_all, wait_for_zero_lag
from peerlink_shared.clock import SystemClock
from peerlink_shared.contracts import CravingCheckInRecorded, ProgrammeEnded, RelapseRecorded
from peerlink_shared.keys import PersonKeyDestroyed
from peerlink_shared.keys.ring import new_data_key
from peerlink_shared.messaging.envelope import Envelope
from peerlink_shared.messaging.outbox import Outbox
from peerlink_shared.messaging.sealed_events import EventSeal
from peerlink_shared.messaging.sealing import seal
from peerlink_shared.messaging.topics import Topics, dead_letter_topic
from peerlink_shared.security.auth import Role
from prometheus_client import REGISTRY

from tests.integration.helpers import (
    as_event,
    envelope_for,
    eventually,
    headers,
    intake_and_eligibility,
    publish,
    register_centres,
    vault,
)
from tests.servers import Servers

CENTRE = "sealed-house"
TODAY = datetime.now(UTC).date()
# Distinctive values, so finding them in the raw bytes means they travelled in clear.
SOBER_SINCE = TODAY - timedelta(days=431)
ENDED_ON = date(2024, 2, 29)


@pytest.fixture(scope="module")
async def services(
    servers: Servers, topics: Topics, run_id: str
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    async with intake_and_eligibility(servers, topics, run_id, names=("intake", "eligibility")) as (
        intake,
        elig,
    ):
        await register_centres(
            intake,
            CENTRE,
            caller=headers(Role.COORDINATOR, CENTRE),
            name="Sealed House",
            region="north",
            timezone="Europe/Dublin",
        )
        yield intake, elig


async def dead_lettered(servers: Servers, topics: Topics, event_id: str) -> dict[str, str] | None:
    """The headers of the event's dead-lettered copy from person-events, once it is there."""
    records = await read_all(
        servers.kafka, [dead_letter_topic(topics.person_events)], idle_seconds=0.5
    )
    found = [r.headers for r in records if (as_event(r.value or b"") or {}).get("id") == event_id]
    return dict(found[0]) if found else None


async def record(intake: httpx.AsyncClient, person_id: str, route: str, body: object) -> None:
    response = await intake.post(
        f"/centres/{CENTRE}/persons/{person_id}/{route}",
        json=body,
        headers=headers(Role.COORDINATOR, CENTRE),
    )
    assert response.status_code == 202, response.text


async def decision(eligibility: httpx.AsyncClient, person_id: str) -> dict[str, object] | None:
    response = await eligibility.get(
        f"/centres/{CENTRE}/persons/{person_id}/decision",
        headers=headers(Role.COORDINATOR, CENTRE),
    )
    return response.json() if response.status_code == 200 else None


async def raw_records(servers: Servers, topic: str, person_id: str) -> list[bytes]:
    records = await read_all(servers.kafka, [topic], idle_seconds=0.5)
    return [r.value for r in records if r.key == person_id.encode() and r.value]


async def test_facts_recorded_at_intake_travel_sealed_and_still_make_a_decision(
    services: tuple[httpx.AsyncClient, httpx.AsyncClient], servers: Servers, topics: Topics
) -> None:
    intake, eligibility = services
    created = await intake.post(
        f"/centres/{CENTRE}/persons", headers=headers(Role.COORDINATOR, CENTRE)
    )
    person_id = str(created.json()["person_id"])
    await record(
        intake, person_id, "programme-ends", {"ended_on": str(ENDED_ON), "outcome": "completed"}
    )
    await record(
        intake,
        person_id,
        "sobriety-milestones",
        {"sober_since": str(SOBER_SINCE), "days": 431, "recorded_on": str(TODAY)},
    )
    await record(
        intake, person_id, "volunteering", {"volunteering": True, "changed_on": str(TODAY)}
    )
    await record(intake, person_id, "craving-check-ins", {"level": 1, "checked_on": str(TODAY)})

    async def eligible() -> dict[str, object] | None:
        found = await decision(eligibility, person_id)
        return found if found and found["eligible"] is True else None

    await eventually(eligible)

    facts = await raw_records(servers, topics.person_events, person_id)
    assert len(facts) == 5  # registration and the four facts
    for value in facts:
        event = json.loads(value)
        assert event["personkeyid"] and set(event["data"]) <= {"person_id", "centre_id", "sealed"}
        # (Not the bare "431": ids and base64 hold such digits by chance.)
        for clear in (str(SOBER_SINCE), str(ENDED_ON), "completed"):
            assert clear.encode() not in value
        for field in ("level", "volunteering", "sober_since", "ended_on", "outcome", "days"):
            assert f'"{field}":'.encode() not in value

    async def announced() -> list[bytes] | None:
        return await raw_records(servers, topics.eligibility_changes, person_id) or None

    for value in await eventually(announced):
        event = json.loads(value)
        assert set(event["data"]) == {"person_id", "centre_id", "sealed"}
        assert b"eligible" not in value.replace(b"eligibility", b"")
        assert b"reasons" not in value and b"decided_on" not in value


def skipped(topic: str) -> float:
    labels = {"topic": topic, "reason": "key_destroyed"}
    return REGISTRY.get_sample_value("peerlink_sealed_events_skipped_total", labels) or 0.0


async def sealed(servers: Servers, *envelopes: Envelope) -> list[Envelope]:
    keys, client = vault(servers)
    try:
        return [await EventSeal(keys=keys).seal(envelope) for envelope in envelopes]
    finally:
        await client.close()


async def test_after_erasure_a_replayed_event_is_skipped_counted_and_not_dead_lettered(
    services: tuple[httpx.AsyncClient, httpx.AsyncClient],
    servers: Servers,
    topics: Topics,
    run_id: str,
) -> None:
    _, eligibility = services
    group = {f"{run_id}-eligibility": [topics.person_events]}
    person_id = "p-erased-1"
    replay = await sealed(
        servers,
        *(
            envelope_for(
                CravingCheckInRecorded(person_id=person_id, level=level, checked_on=TODAY),
                subject=person_id,
            )
            for level in (2, 3, 4)
        ),
    )
    keys, client = vault(servers)
    try:
        assert await keys.destroy(person_id) is True
    finally:
        await client.close()
    # What the services' caches may still hold is past: they never held this person's key.
    before = skipped(topics.person_events)
    await publish(servers.kafka, topics.person_events, *replay)
    # The partition is not stuck: the group reaches the end of the topic.
    await wait_for_zero_lag(servers.kafka, group)
    assert skipped(topics.person_events) == before + 3
    assert await decision(eligibility, person_id) is None
    letters = await read_all(
        servers.kafka, [dead_letter_topic(topics.person_events)], idle_seconds=0.5
    )
    assert not [r for r in letters if r.key == person_id.encode()]


async def test_an_altered_seal_is_dead_lettered_with_its_reason_and_the_rest_goes_on(
    services: tuple[httpx.AsyncClient, httpx.AsyncClient], servers: Servers, topics: Topics
) -> None:
    _, eligibility = services
    person_id = "p-tampered-1"
    good, target = await sealed(
        servers,
        envelope_for(
            ProgrammeEnded(
                person_id=person_id, centre_id=CENTRE, ended_on=ENDED_ON, outcome="completed"
            ),
            subject=person_id,
        ),
        envelope_for(
            RelapseRecorded(person_id=person_id, relapsed_on=TODAY - timedelta(days=3)),
            subject=person_id,
        ),
    )
    raw = bytearray(base64.b64decode(str(target.data["sealed"])))
    raw[-1] ^= 1
    altered = target.model_copy(
        update={"data": {**target.data, "sealed": base64.b64encode(bytes(raw)).decode()}}
    )
    await publish(servers.kafka, topics.person_events, altered, good)

    headers_found = await eventually(lambda: dead_lettered(servers, topics, altered.id))
    assert headers_found["x-dlq-reason-code"] == "seal_broken"
    assert headers_found["x-dlq-reason"] == "sealed payload failed authentication"

    # The good event behind it on the same partition was handled (a completion alone makes
    # a decision that names what is still missing).
    assert await eventually(lambda: decision(eligibility, person_id)) is not None


async def test_a_forged_seal_for_a_person_without_a_key_is_dead_lettered(
    services: tuple[httpx.AsyncClient, httpx.AsyncClient], servers: Servers, topics: Topics
) -> None:
    """Sealed under a key the vault never made: refused, never a key made on its word."""
    person_id = "p-forged-1"
    check_in = envelope_for(
        CravingCheckInRecorded(person_id=person_id, level=1, checked_on=TODAY),
        subject=person_id,
    )
    forged = seal(check_in, new_data_key())
    await publish(servers.kafka, topics.person_events, forged)

    found = await eventually(lambda: dead_lettered(servers, topics, forged.id))
    assert found["x-dlq-reason-code"] == "seal_broken"
    assert found["x-dlq-reason"] == "the person has no data key"
    keys, client = vault(servers)
    try:
        assert await keys.existing(person_id) is None
        assert await keys.destroyed(person_id) is False
    finally:
        await client.close()


async def test_the_outbox_stores_sealed_and_records_nothing_for_an_erased_person(
    servers: Servers, topics: Topics, run_id: str
) -> None:
    keys, client = vault(servers)
    try:
        outbox = Outbox(
            client[f"{run_id}_sealed_outbox"], clock=SystemClock(), seal=EventSeal(keys=keys)
        )
        await keys.destroy("p-outbox-erased")
        live, erased = (
            envelope_for(
                RelapseRecorded(person_id=person, relapsed_on=date(2026, 1, 5)), subject=person
            )
            for person in ("p-outbox-live", "p-outbox-erased")
        )
        with pytest.raises(PersonKeyDestroyed):
            await outbox.add(envelope=erased, topic=topics.person_events)
        # A batch (a re-evaluation) goes on without the erased person's event.
        await outbox.add_all(envelopes=[erased, live], topic=topics.person_events)
        stored = [entry async for entry in outbox.stored(older_than=None)]
        assert [entry.event_id for entry in stored] == [live.id]
        assert "2026-01-05" not in stored[0].body and "relapsed_on" not in stored[0].body
        assert json.loads(stored[0].body)["personkeyid"]
    finally:
        await client.close()
