"""The headers and keys intake's AsyncAPI document describes are the ones on the real wire:
on an event it publishes, and on the copy it dead-letters."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

import httpx
from peerlink_devtools.kafka_watch import Record, read_all
from peerlink_intake.bootstrap import bootstrap
from peerlink_intake.settings import IntakeSettings
from peerlink_shared.contracts import CravingCheckInRecorded
from peerlink_shared.messaging.kafka_access import KafkaAccess
from peerlink_shared.messaging.topics import Topics, dead_letter_topic
from peerlink_shared.security.auth import Role

from tests.integration.helpers import (
    as_event,
    clinic_topic,
    envelope_for,
    eventually,
    headers,
    publish,
    publish_raw,
    register_centres,
    served,
)
from tests.servers import Servers

CENTRE = "wire"


async def with_centre(intake: httpx.AsyncClient) -> None:
    await register_centres(
        intake, CENTRE, caller=headers(Role.OPS, "*"), name="Wire", region="east"
    )


intake = served(bootstrap, IntakeSettings, name="wire", then=with_centre)


async def one_record(
    kafka: KafkaAccess, topic: str, *, key: bytes, event_type: str | None = None
) -> Record:
    def wanted(record: Record) -> bool:
        event = as_event(record.value)
        return (
            record.key == key
            and event is not None
            and (event_type is None or event.get("type") == event_type)
        )

    async def found() -> Record | None:
        records = await read_all(kafka, [topic], idle_seconds=0.5)
        return next((r for r in records if wanted(r)), None)

    return await eventually(found)


def documented(document: dict[str, Any], message: str) -> dict[str, Any]:
    headers: dict[str, Any] = document["components"]["messages"][message]["headers"]
    return headers


async def test_a_published_event_carries_the_documented_headers_and_key(
    intake: httpx.AsyncClient, servers: Servers, topics: Topics
) -> None:
    document = (await intake.get("/asyncapi.json")).json()
    response = await intake.post(
        f"/centres/{CENTRE}/persons", headers=headers(Role.CLINIC_SYSTEM, CENTRE)
    )
    person_id = response.json()["person_id"]
    check_in = envelope_for(
        CravingCheckInRecorded(person_id=person_id, level=2, checked_on=datetime.now(UTC).date()),
        subject=person_id,
    )
    inbound = await clinic_topic(intake, servers, topics, "wire-ehr", [CENTRE])
    await publish(servers.kafka, inbound, check_in)

    # Registration published PersonRegistered under the same key first: the check-in's copy.
    record = await one_record(
        servers.kafka,
        topics.person_events,
        key=person_id.encode(),
        event_type=CravingCheckInRecorded.event_type(),
    )

    # What intake republishes is sealed, and documented so.
    schema = documented(document, "CravingCheckInRecordedSealed")
    data = document["components"]["schemas"]["CravingCheckInRecordedSealed"]
    event = as_event(record.value)
    assert event is not None and event["personkeyid"]
    assert set(event["data"]) == set(data["properties"]) == {"person_id", "sealed"}
    sent = {name for name in schema["properties"] if name != "x-dlq-replayed-from"}
    assert set(record.headers) == sent
    assert record.headers["content-type"] == schema["properties"]["content-type"]["const"]
    assert record.headers["ce_type"] == schema["properties"]["ce_type"]["const"]
    assert record.headers["correlation_id"] == check_in.correlationid
    assert record.key == person_id.encode()  # the key binding: the person id, the subject


async def test_a_dead_letter_carries_the_documented_headers_and_the_original_key(
    intake: httpx.AsyncClient, servers: Servers, topics: Topics
) -> None:
    document = (await intake.get("/asyncapi.json")).json()
    key = f"wire-{secrets.token_hex(4)}".encode()
    inbound = await clinic_topic(intake, servers, topics, "wire-ehr", [CENTRE])
    await publish_raw(servers.kafka, inbound, [(key, b'{"id": "x"}')])

    letter = await one_record(servers.kafka, dead_letter_topic(inbound), key=key)

    schema = documented(document, "DeadLetter")
    assert set(schema["required"]) <= set(letter.headers) <= set(schema["properties"])
    assert letter.headers["x-dlq-reason-code"] in schema["properties"]["x-dlq-reason-code"]["enum"]
    assert letter.headers["x-original-topic"] == inbound
    assert letter.headers["content-type"] == schema["properties"]["content-type"]["const"]
    assert letter.value == b'{"id": "x"}'
