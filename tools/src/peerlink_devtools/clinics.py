"""A clinic system as ops add it (its own inbound topic, registered with intake, granted
centres) and as it then speaks: CloudEvents on its own topic."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer
from peerlink_shared.auth import Role
from peerlink_shared.contracts import CravingCheckInRecorded
from peerlink_shared.envelope import Envelope, make_envelope, new_event_id
from peerlink_shared.topics import Topics, dead_letter_topic
from peerlink_shared.topics_admin import ensure_clinic_topics

from peerlink_devtools.kafka_watch import read_all, wait_for_zero_lag
from peerlink_devtools.processes import consumer_groups
from peerlink_devtools.scenario import Api, Headers, Say

# The demo's clinics: the centre's own clinic system, and one it never let act for it.
CLINIC, STRANGER = "harbour-ehr", "quay-ehr"


async def add_clinic(
    api: Api,
    *,
    bootstrap: str,
    topics: Topics,
    clinic: str,
    centres: Sequence[str],
    ops: Headers,
) -> str:
    """Creates the clinic's topics and registers it with intake, allowed to act for these
    centres; returns its inbound topic. (In production ops also create its Kafka principal
    and give it WRITE on that topic alone.)"""
    await ensure_clinic_topics(bootstrap=bootstrap, topics=topics, clinic=clinic)
    response = await api.call(
        "PUT", "intake", f"/clinics/{clinic}", headers=ops, json={"centres": list(centres)}
    )
    if response.status_code != 200:
        raise RuntimeError(f"registering clinic {clinic}: {response.status_code} {response.text}")
    return topics.clinic_inbound(clinic)


async def grant_clinic(api: Api, *, clinic: str, centre_id: str, coordinator: Headers) -> int:
    """The centre's coordinator lets the clinic act for their centre; returns the version."""
    response = await api.call(
        "PUT", "intake", f"/clinics/{clinic}/centres/{centre_id}", headers=coordinator
    )
    if response.status_code != 200:
        raise RuntimeError(f"granting clinic {clinic}: {response.status_code} {response.text}")
    version: int = response.json()["version"]
    return version


async def send_as_clinic(bootstrap: str, topic: str, envelopes: Sequence[Envelope]) -> None:
    """Publishes the events on the clinic's topic, keyed by subject (the person)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for envelope in envelopes:
            await producer.send_and_wait(
                topic, envelope.model_dump_json().encode(), key=envelope.subject.encode()
            )
    finally:
        await producer.stop()


async def two_clinics_report(
    api: Api, *, bootstrap: str, topics: Topics, centre_id: str, person_id: str, say: Say
) -> None:
    """Both clinics send a craving check-in about the person, with the same event id: one
    clinic's id is no other's. Only the clinic the centre granted is heard; the other is
    refused (`sender_not_allowed`). RuntimeError if it goes otherwise."""
    ops = api.token(role=Role.OPS, centre="*", subject="ops-1")
    coordinator = api.token(role=Role.COORDINATOR, centre=centre_id, subject="coordinator-1")
    own = await add_clinic(
        api, bootstrap=bootstrap, topics=topics, clinic=CLINIC, centres=(), ops=ops
    )
    stranger = await add_clinic(
        api, bootstrap=bootstrap, topics=topics, clinic=STRANGER, centres=(), ops=ops
    )
    say(f"ops add clinic systems {CLINIC} and {STRANGER}, each writing only its own topic")
    version = await grant_clinic(api, clinic=CLINIC, centre_id=centre_id, coordinator=coordinator)
    say(f"the coordinator lets {CLINIC} act for {centre_id} (its grants' version {version})")
    event_id = new_event_id()
    fact = CravingCheckInRecorded(person_id=person_id, level=2, checked_on=datetime.now(UTC).date())
    sent = {
        topic: make_envelope(
            event_id=event_id,
            source=f"/clinics/{clinic}",
            event_type=fact.event_type(),
            subject=person_id,
            time=datetime.now(UTC),
            data=fact.model_dump(mode="json"),
            correlation_id=new_event_id(),
        )
        for clinic, topic in ((CLINIC, own), (STRANGER, stranger))
    }
    for topic, envelope in sent.items():
        await send_as_clinic(bootstrap, topic, [envelope])
    say(f"both send a craving check-in about {person_id} over Kafka, with one event id")
    await wait_for_zero_lag(
        bootstrap, consumer_groups(topics.prefix, topics, clinics=(CLINIC, STRANGER))
    )
    heard = {
        _correlation_id(record.value)
        for record in await read_all(bootstrap, [topics.person_events], idle_seconds=0.5)
        if record.key == person_id.encode()
    }
    refusals = [
        record.headers.get("x-dlq-reason-code")
        for record in await read_all(bootstrap, [dead_letter_topic(stranger)], idle_seconds=0.5)
        if _correlation_id(record.value) == sent[stranger].correlationid
    ]
    if sent[own].correlationid not in heard or refusals != ["sender_not_allowed"]:
        raise RuntimeError(
            f"clinics: {CLINIC} heard: {sent[own].correlationid in heard}, "
            f"{STRANGER} refused: {refusals}"
        )
    say(f"intake records {CLINIC}'s check-in; {STRANGER}'s is refused: sender_not_allowed")


def _correlation_id(value: bytes) -> object:
    try:
        event = json.loads(value)
    except ValueError:
        return None
    return event.get("correlationid") if isinstance(event, dict) else None
