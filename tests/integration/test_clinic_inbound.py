"""Intake's Kafka door for other clinic systems, each on its own topic, against the real
servers. The grants and the per-sender duplicates are in `test_clinic_senders.py`."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from peerlink_devtools.kafka_watch import read_all
from peerlink_intake.bootstrap import bootstrap
from peerlink_intake.settings import IntakeSettings
from peerlink_ops.topics_admin import provision_clinic
from peerlink_shared.contracts import (
    PERSON_FACTS,
    AdmissionRecorded,
    CravingCheckInRecorded,
    EligibilityChanged,
    ReferralAccepted,
    RelapseRecorded,
    SobrietyMilestoneRecorded,
)
from peerlink_shared.messaging.topics import Topics, dead_letter_topic
from peerlink_shared.security.auth import Role

from tests.integration.helpers import (
    as_event,
    envelope_for,
    eventually,
    headers,
    in_process,
    opened,
    publish,
    publish_raw,
    register_centres,
)
from tests.servers import Servers

CENTRE = "bay"
ANOTHER = "cove"  # registered, and linked to nobody here
CLINIC = "bay-ehr"
TODAY = datetime.now(UTC).date()
CANARY = "CANARY-John-Roe"


@pytest.fixture(scope="module")
async def intake(servers: Servers, topics: Topics, run_id: str) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process(
        bootstrap, IntakeSettings, servers=servers, topics=topics, run_id=run_id, name="inbound"
    ) as client:
        ops = headers(Role.OPS, "*")
        await register_centres(client, CENTRE, ANOTHER, caller=ops, name="C", region="e")
        await provision_clinic(servers.kafka, topics, CLINIC)
        # It may act for ANOTHER too: what refuses its admission there is the link rule.
        grants = {"centres": [CENTRE, ANOTHER]}
        registered = await client.put(f"/clinics/{CLINIC}", json=grants, headers=ops)
        assert registered.status_code == 200, registered.text
        yield client


async def new_person(client: httpx.AsyncClient) -> str:
    response = await client.post(
        f"/centres/{CENTRE}/persons", headers=headers(Role.CLINIC_SYSTEM, CENTRE)
    )
    person_id: str = response.json()["person_id"]
    return person_id


async def test_a_clinic_event_is_recorded_once_and_published(
    intake: httpx.AsyncClient, servers: Servers, topics: Topics
) -> None:
    person_id = await new_person(intake)
    check_in = envelope_for(
        CravingCheckInRecorded(person_id=person_id, level=3, checked_on=TODAY), subject=person_id
    )
    await publish(servers.kafka, topics.clinic_inbound(CLINIC), check_in, check_in)

    async def published() -> list[dict[str, Any]] | None:
        records = await read_all(servers.kafka, [topics.person_events], idle_seconds=0.5)
        events = [as_event(r.value) for r in records if r.key == person_id.encode()]
        # (Registration is published too, as the home centre's link.)
        found = [e for e in events if e and e["type"] == CravingCheckInRecorded.event_type()]
        return [await opened(servers, e) for e in found] or None

    (event,) = await eventually(published)
    assert event["type"] == CravingCheckInRecorded.event_type()
    assert event["data"] == {"person_id": person_id, "level": 3, "checked_on": str(TODAY)}
    assert event["correlationid"] == check_in.correlationid
    assert event["id"] != check_in.id  # namespaced by the clinic and its source


def _with_raw(payload: Any, subject: str, **raw: object) -> bytes:
    """The event for `payload` with some data values replaced as a sender might write them."""
    body = json.loads(envelope_for(payload, subject=subject).model_dump_json())
    body["data"].update(raw)
    return json.dumps(body).encode()


async def test_refused_clinic_events_are_dead_lettered_with_reasons(
    intake: httpx.AsyncClient, servers: Servers, topics: Topics
) -> None:
    person_id = await new_person(intake)
    cases: dict[str, tuple[bytes, str]] = {
        "unknown-person": (
            envelope_for(
                CravingCheckInRecorded(person_id="p-nobody", level=1, checked_on=TODAY),
                subject="p-nobody",
            )
            .model_dump_json()
            .encode(),
            "unknown_person",
        ),
        "unknown-centre": (
            envelope_for(
                AdmissionRecorded(person_id=person_id, centre_id="nowhere", admitted_on=TODAY),
                subject=person_id,
            )
            .model_dump_json()
            .encode(),
            "unknown_centre",
        ),
        "not-linked": (
            envelope_for(
                AdmissionRecorded(person_id=person_id, centre_id=ANOTHER, admitted_on=TODAY),
                subject=person_id,
            )
            .model_dump_json()
            .encode(),
            "not_linked",
        ),
        "link-fact": (
            envelope_for(
                ReferralAccepted(
                    person_id=person_id,
                    centre_id=ANOTHER,
                    referred_by_centre_id=CENTRE,
                    accepted_on=TODAY,
                ),
                subject=person_id,
            )
            .model_dump_json()
            .encode(),
            "unknown_event_type",
        ),
        "future-date": (
            envelope_for(
                CravingCheckInRecorded(
                    person_id=person_id, level=1, checked_on=TODAY + timedelta(days=3)
                ),
                subject=person_id,
            )
            .model_dump_json()
            .encode(),
            "incoherent_fact",
        ),
        "bad-milestone": (
            envelope_for(
                SobrietyMilestoneRecorded(
                    person_id=person_id,
                    sober_since=TODAY - timedelta(days=10),
                    days=400,
                    recorded_on=TODAY,
                ),
                subject=person_id,
            )
            .model_dump_json()
            .encode(),
            "incoherent_fact",
        ),
        "subject-mismatch": (
            envelope_for(
                CravingCheckInRecorded(person_id=person_id, level=1, checked_on=TODAY),
                subject="p-other",
            )
            .model_dump_json()
            .encode(),
            "subject_mismatch",
        ),
        "not-for-clinics": (
            envelope_for(
                EligibilityChanged(
                    person_id=person_id,
                    centre_id=CENTRE,
                    eligible=True,
                    reasons=(),
                    decided_on=TODAY,
                ),
                subject=person_id,
            )
            .model_dump_json()
            .encode(),
            "unknown_event_type",
        ),
        "query-operator": (
            json.dumps(
                {
                    **json.loads(
                        envelope_for(
                            CravingCheckInRecorded(person_id=person_id, level=1, checked_on=TODAY),
                            subject=person_id,
                        ).model_dump_json()
                    ),
                    "subject": {"$gt": ""},
                }
            ).encode(),
            "forbidden_key",
        ),
        # Kafka's door holds values to the HTTP door's types: no coercion.
        "date-as-number": (
            _with_raw(
                AdmissionRecorded(person_id=person_id, centre_id=CENTRE, admitted_on=TODAY),
                person_id,
                admitted_on=86400,
            ),
            "invalid_payload",
        ),
        "level-as-text": (
            _with_raw(
                CravingCheckInRecorded(person_id=person_id, level=1, checked_on=TODAY),
                person_id,
                level="7",
            ),
            "invalid_payload",
        ),
        "level-as-flag": (
            _with_raw(
                CravingCheckInRecorded(person_id=person_id, level=1, checked_on=TODAY),
                person_id,
                level=True,
            ),
            "invalid_payload",
        ),
        "canary-in-level": (
            envelope_for(
                CravingCheckInRecorded(person_id=person_id, level=1, checked_on=TODAY),
                subject=person_id,
            )
            .model_dump_json()
            .replace('"level":1', f'"level":"{CANARY}"')
            .encode(),
            "invalid_payload",
        ),
    }
    inbound = topics.clinic_inbound(CLINIC)
    await publish_raw(
        servers.kafka,
        inbound,
        [(name.encode(), body) for name, (body, _) in cases.items()],
    )

    async def dead_letters() -> dict[str, dict[str, str]] | None:
        records = await read_all(servers.kafka, [dead_letter_topic(inbound)], idle_seconds=0.5)
        found = {r.key.decode(): r.headers for r in records if r.key and r.key.decode() in cases}
        return found if len(found) == len(cases) else None

    found = await eventually(dead_letters)
    assert {name: found[name]["x-dlq-reason-code"] for name in cases} == {
        name: code for name, (_, code) in cases.items()
    }
    assert (
        found["bad-milestone"]["x-dlq-reason"]
        == "data.days: must equal the days from sober_since to recorded_on"
    )
    assert found["canary-in-level"]["x-dlq-reason"] == "level: int_type"
    assert found["date-as-number"]["x-dlq-reason"] == "admitted_on: date_type"
    assert found["level-as-text"]["x-dlq-reason"] == "level: int_type"
    assert found["level-as-flag"]["x-dlq-reason"] == "level: int_type"
    assert all(CANARY not in json.dumps(headers) for headers in found.values())
    assert {found[name]["x-original-topic"] for name in cases} == {inbound}


async def test_deep_and_ambiguous_json_is_dead_lettered_and_the_partition_moves_on(
    intake: httpx.AsyncClient, servers: Servers, topics: Topics
) -> None:
    """A body nested 10,000 deep once raised RecursionError past the dead-letter path (the
    partition redelivered it forever); `"type"` twice was read as its last value. Each is
    refused with its reason (and a truncated body too), and a valid event behind them, on
    the same partition (same key), is recorded."""
    person_id = await new_person(intake)
    check_in = envelope_for(
        CravingCheckInRecorded(person_id=person_id, level=2, checked_on=TODAY), subject=person_id
    )
    valid = check_in.model_dump_json().encode()
    deep = valid.replace(b'"level":2', b'"level":2,"note":' + b"[" * 10_000 + b"]" * 10_000)
    relapse = b'"type":"' + RelapseRecorded.event_type().encode() + b'",'
    twice = valid.replace(b'"type":', relapse + b'"type":', 1)
    truncated = valid[:-20]
    assert deep.count(b"[") == 10_000 and twice.count(b'"type":') == 2
    # Declared JSON, as a CloudEvents sender would: FastStream's own decoder once parsed
    # such bodies before the consumer saw them, and raised outside the dead-letter path.
    await publish_raw(
        servers.kafka,
        topics.clinic_inbound(CLINIC),
        [(person_id.encode(), body) for body in (deep, twice, truncated, valid)],
        headers=[("content-type", b"application/json")],
    )

    async def recorded() -> list[dict[str, Any]] | None:
        records = await read_all(servers.kafka, [topics.person_events], idle_seconds=0.5)
        events = [as_event(r.value) for r in records if r.key == person_id.encode()]
        # Registration published PersonRegistered under the same key: only the check-ins.
        wanted = CravingCheckInRecorded.event_type()
        return [e for e in events if e and e["type"] == wanted] or None

    (event,) = await eventually(recorded)
    assert event["type"] == CravingCheckInRecorded.event_type()
    assert event["correlationid"] == check_in.correlationid

    # The valid event came after both on the partition: their copies are already written.
    records = await read_all(
        servers.kafka, [dead_letter_topic(topics.clinic_inbound(CLINIC))], idle_seconds=0.5
    )
    found = {
        r.headers["x-dlq-reason-code"]: r.headers for r in records if r.key == person_id.encode()
    }
    # Refused once each: the consumer moved on instead of failing and being redelivered.
    assert len([r for r in records if r.key == person_id.encode()]) == 3
    assert set(found) == {"too_deep", "duplicate_key", "malformed_json"}
    assert found["too_deep"]["x-dlq-reason"] == "arrays and objects nested deeper than 32"
    assert found["duplicate_key"]["x-dlq-reason"] == "an object has the same key twice"
    ready = await intake.get("/ready")
    assert (ready.status_code, ready.json()["stuck"]) == (200, [])


async def test_the_asyncapi_document_describes_the_clinic_door(intake: httpx.AsyncClient) -> None:
    document = (await intake.get("/asyncapi.json")).json()
    assert document["asyncapi"] == "3.0.0"
    inbound = document["channels"]["clinic-inbound"]
    # One topic per clinic: the address is a template, its parameter says who may write it.
    assert inbound["address"].endswith("clinic-inbound.{clinic}")
    assert "sender_not_allowed" in inbound["parameters"]["clinic"]["description"]
    assert set(inbound["messages"]) == {model.__name__ for model in PERSON_FACTS}
    assert document["operations"]["receive-clinic-inbound"]["action"] == "receive"
    check_in = document["components"]["schemas"]["CravingCheckInRecordedEvent"]
    assert check_in["properties"]["type"]["const"] == "peerlink.person.craving-check-in-recorded.v1"
    payload = document["components"]["schemas"]["CravingCheckInRecorded"]
    assert payload["properties"]["level"]["maximum"] == 10
    assert set(payload["required"]) >= {"person_id", "level", "checked_on"}


async def test_new_facts_over_http(intake: httpx.AsyncClient) -> None:
    person_id = await new_person(intake)
    base = f"/centres/{CENTRE}/persons/{person_id}"
    supporter = headers(Role.SUPPORTER, CENTRE, person_id)
    coordinator = headers(Role.COORDINATOR, CENTRE)
    own = await intake.post(
        f"{base}/craving-check-ins", json={"level": 2, "checked_on": str(TODAY)}, headers=supporter
    )
    assert own.status_code == 202
    someone_else = await intake.post(
        f"{base}/craving-check-ins",
        json={"level": 2, "checked_on": str(TODAY)},
        headers=headers(Role.SUPPORTER, CENTRE, "p-x"),
    )
    assert someone_else.status_code == 403
    training = await intake.post(
        f"{base}/trainings",
        json={"completed_on": str(TODAY), "expires_on": str(TODAY)},
        headers=coordinator,
    )
    assert training.status_code == 422
    assert training.json()["detail"][0]["loc"] == ["body", "expires_on"]
    for path, body in (
        ("trainings", {"completed_on": str(TODAY), "expires_on": str(TODAY + timedelta(days=365))}),
        (
            "background-checks",
            {"cleared_on": str(TODAY), "expires_on": str(TODAY + timedelta(days=730))},
        ),
        ("discharges", {"discharged_on": str(TODAY)}),
    ):
        assert (
            await intake.post(f"{base}/{path}", json=body, headers=coordinator)
        ).status_code == 202, path
