"""Eligibility against the real servers: person events in, decisions and changes out."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from peerlink_devtools.kafka_watch import read_all, wait_for_zero_lag
from peerlink_eligibility.bootstrap import bootstrap
from peerlink_eligibility.settings import EligibilitySettings
from peerlink_shared.contracts import (
    CravingCheckInRecorded,
    ProgrammeEnded,
    RelapseRecorded,
    SobrietyMilestoneRecorded,
    VolunteeringChanged,
)
from peerlink_shared.messaging.envelope import Envelope
from peerlink_shared.messaging.topics import Topics, dead_letter_topic
from peerlink_shared.security.auth import Role

from tests.integration.helpers import (
    envelope_for,
    eventually,
    headers,
    opened,
    publish,
    publish_raw,
    served,
)
from tests.servers import Servers

CENTRE = "harbour"
TODAY = datetime.now(UTC).date()


@pytest.fixture(scope="module")
def group(run_id: str) -> str:
    return f"{run_id}-eligibility"


eligibility = served(bootstrap, EligibilitySettings, name="eligibility")


def qualifying_events(person_id: str, *, sober_days: int = 365) -> list[Envelope]:
    return [
        envelope_for(
            SobrietyMilestoneRecorded(
                person_id=person_id,
                sober_since=TODAY - timedelta(days=sober_days),
                days=sober_days,
                recorded_on=TODAY,
            ),
            subject=person_id,
        ),
        envelope_for(
            ProgrammeEnded(
                person_id=person_id,
                centre_id=CENTRE,
                ended_on=date(2024, 1, 1),
                outcome="completed",
            ),
            subject=person_id,
        ),
        envelope_for(
            VolunteeringChanged(person_id=person_id, volunteering=True, changed_on=TODAY),
            subject=person_id,
        ),
        envelope_for(
            CravingCheckInRecorded(person_id=person_id, level=1, checked_on=TODAY),
            subject=person_id,
        ),
    ]


async def decision(client: httpx.AsyncClient, person_id: str) -> dict[str, object] | None:
    response = await client.get(
        f"/centres/{CENTRE}/persons/{person_id}/decision", headers=headers(Role.COORDINATOR, CENTRE)
    )
    return response.json() if response.status_code == 200 else None


async def changes_for(servers: Servers, topics: Topics, person_id: str) -> list[dict[str, object]]:
    records = await read_all(servers.kafka, [topics.eligibility_changes], idle_seconds=0.5)
    return [
        await opened(servers, json.loads(r.value)) for r in records if r.key == person_id.encode()
    ]


async def test_facts_in_any_order_make_a_person_eligible(
    eligibility: httpx.AsyncClient, servers: Servers, topics: Topics
) -> None:
    person_id = "p-order-1"
    # The milestone arrives before the completion it depends on.
    await publish(servers.kafka, topics.person_events, *qualifying_events(person_id))

    async def eligible() -> dict[str, object] | None:
        found = await decision(eligibility, person_id)
        return found if found and found["eligible"] else None

    assert (await eventually(eligible))["reasons"] == []
    listed = await eligibility.get(
        f"/centres/{CENTRE}/eligible-supporters", headers=headers(Role.COORDINATOR, CENTRE)
    )
    assert person_id in listed.json()["person_ids"]
    last = (await changes_for(servers, topics, person_id))[-1]
    assert last["data"]["eligible"] is True  # type: ignore[index]
    assert last["subject"] == person_id


async def test_only_time_missing_names_the_day(
    eligibility: httpx.AsyncClient, servers: Servers, topics: Topics
) -> None:
    person_id = "p-time-1"
    await publish(
        servers.kafka, topics.person_events, *qualifying_events(person_id, sober_days=355)
    )

    async def decided() -> dict[str, object] | None:
        found = await decision(eligibility, person_id)
        return found if found and found["reasons"] == ["sober_too_short"] else None

    found = await eventually(decided)
    assert found["eligible_from"] == str(TODAY + timedelta(days=10))

    # The centre's pool lists them with their reason and its day; the filter keeps them apart.
    coordinator = headers(Role.COORDINATOR, CENTRE)
    pool = await eligibility.get(f"/centres/{CENTRE}/decisions", headers=coordinator)
    listed = {d["person_id"]: d for d in pool.json()}
    assert listed[person_id]["reasons"] == ["sober_too_short"]
    assert listed[person_id]["holds_from"] == {"sober_too_short": str(TODAY + timedelta(days=10))}
    eligible_only = await eligibility.get(
        f"/centres/{CENTRE}/decisions", params={"eligible": "true"}, headers=coordinator
    )
    assert all(d["eligible"] for d in eligible_only.json())
    assert person_id not in {d["person_id"] for d in eligible_only.json()}
    not_yet = await eligibility.get(
        f"/centres/{CENTRE}/decisions", params={"eligible": "false"}, headers=coordinator
    )
    assert person_id in {d["person_id"] for d in not_yet.json()}
    other = await eligibility.get(
        f"/centres/{CENTRE}/decisions", headers=headers(Role.COORDINATOR, "elsewhere")
    )
    assert other.status_code == 403


async def test_a_late_relapse_with_an_earlier_date_revokes(
    eligibility: httpx.AsyncClient, servers: Servers, topics: Topics
) -> None:
    person_id = "p-relapse-1"
    await publish(
        servers.kafka, topics.person_events, *qualifying_events(person_id, sober_days=400)
    )
    await eventually(lambda: _eligible(eligibility, person_id, True))
    relapse = envelope_for(
        RelapseRecorded(person_id=person_id, relapsed_on=TODAY - timedelta(days=30)),
        subject=person_id,
    )
    await publish(servers.kafka, topics.person_events, relapse)
    revoked = await eventually(lambda: _eligible(eligibility, person_id, False))
    assert revoked["reasons"] == ["relapsed_since_sobriety_date"]


async def _eligible(
    client: httpx.AsyncClient, person_id: str, wanted: bool
) -> dict[str, object] | None:
    found = await decision(client, person_id)
    return found if found and found["eligible"] is wanted else None


async def test_duplicates_publish_nothing_new(
    eligibility: httpx.AsyncClient, servers: Servers, topics: Topics, group: str
) -> None:
    person_id = "p-dup-1"
    events = qualifying_events(person_id)
    await publish(servers.kafka, topics.person_events, *events)
    await eventually(lambda: _eligible(eligibility, person_id, True))
    await wait_for_zero_lag(servers.kafka, {group: [topics.person_events]})
    before = await changes_for(servers, topics, person_id)

    await publish(servers.kafka, topics.person_events, *events, *events)
    await wait_for_zero_lag(servers.kafka, {group: [topics.person_events]})
    after = await changes_for(servers, topics, person_id)
    assert [event["id"] for event in after] == [event["id"] for event in before]


async def test_junk_goes_to_the_dead_letter_topic_and_the_consumer_carries_on(
    eligibility: httpx.AsyncClient, servers: Servers, topics: Topics
) -> None:
    person_id = "p-after-junk"
    junk: list[tuple[bytes | None, bytes]] = [
        (b"junk-1", b"\x00\xff not json"),
        (b"junk-2", b'{"id": "x"}'),
        (
            b"junk-3",
            envelope_for(
                VolunteeringChanged(person_id="p-j", volunteering=True, changed_on=TODAY),
                subject="p-j",
            )
            .model_dump_json()
            .replace('"volunteering":true', '"volunteering":"CANARY"')
            .encode(),
        ),
    ]
    await publish_raw(servers.kafka, topics.person_events, junk)
    await publish(servers.kafka, topics.person_events, *qualifying_events(person_id))
    await eventually(lambda: _eligible(eligibility, person_id, True))

    async def dead_letters() -> dict[bytes | None, dict[str, str]] | None:
        records = await read_all(
            servers.kafka, [dead_letter_topic(topics.person_events)], idle_seconds=0.5
        )
        found = {r.key: r.headers for r in records if r.key in {key for key, _ in junk}}
        return found if len(found) == len(junk) else None

    found = await eventually(dead_letters)
    assert found[b"junk-1"]["x-dlq-reason-code"] == "not_utf8"
    assert found[b"junk-2"]["x-dlq-reason-code"] == "invalid_envelope"
    assert found[b"junk-3"]["x-dlq-reason-code"] == "invalid_payload"
    assert found[b"junk-3"]["x-dlq-reason"] == "volunteering: bool_type"
    assert found[b"junk-3"]["x-original-topic"] == topics.person_events
    assert all("CANARY" not in json.dumps(headers) for headers in found.values())
