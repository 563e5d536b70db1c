"""A clinic system as ops add it (its own inbound topic and ACLs, registered with intake,
granted centres) and as it then speaks: CloudEvents on its own topic."""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer
from peerlink_ops.kafka_acls import clinic_principal
from peerlink_ops.kafka_users import set_scram_password
from peerlink_ops.topics_admin import provision_clinic
from peerlink_shared.contracts import CravingCheckInRecorded
from peerlink_shared.messaging.envelope import Envelope, make_envelope, new_event_id
from peerlink_shared.messaging.kafka_access import KafkaAccess
from peerlink_shared.messaging.topics import Topics, dead_letter_topic
from peerlink_shared.security.auth import Role

from peerlink_devtools.kafka_watch import read_all, wait_for_zero_lag
from peerlink_devtools.processes import consumer_groups
from peerlink_devtools.scenario import Api, Headers, Say

# The demo's clinics: the centre's own clinic system, and one it never let act for it.
CLINIC, STRANGER = "harbour-ehr", "quay-ehr"


@dataclass(frozen=True)
class Clinic:
    id: str
    topic: str
    login: KafkaAccess  # how it reaches Kafka: as its own principal when it has one


async def add_clinic(
    api: Api,
    *,
    kafka: KafkaAccess,
    topics: Topics,
    clinic: str,
    centres: Sequence[str],
    ops: Headers,
    own_login: bool = False,
) -> Clinic:
    """Creates the clinic's topics and ACLs and registers it with intake, allowed to act for
    these centres. `own_login`: also its SCRAM user, with a random password, so it speaks as
    itself (over SASL_SSL; `kafka` must be the admin's access). Otherwise it speaks with
    `kafka`'s login."""
    await provision_clinic(kafka, topics, clinic)
    login = kafka
    if own_login and kafka.security_protocol == "SASL_SSL":
        login = await set_scram_password(
            kafka, clinic_principal(topics, clinic), secrets.token_urlsafe(32)
        )
    response = await api.call(
        "PUT", "intake", f"/clinics/{clinic}", headers=ops, json={"centres": list(centres)}
    )
    if response.status_code != 200:
        raise RuntimeError(f"registering clinic {clinic}: {response.status_code} {response.text}")
    return Clinic(clinic, topics.clinic_inbound(clinic), login)


async def grant_clinic(api: Api, *, clinic: str, centre_id: str, coordinator: Headers) -> int:
    """The centre's coordinator lets the clinic act for their centre; returns the version."""
    response = await api.call(
        "PUT", "intake", f"/clinics/{clinic}/centres/{centre_id}", headers=coordinator
    )
    if response.status_code != 200:
        raise RuntimeError(f"granting clinic {clinic}: {response.status_code} {response.text}")
    version: int = response.json()["version"]
    return version


async def send_as_clinic(clinic: Clinic, envelopes: Sequence[Envelope]) -> None:
    """Publishes the events on the clinic's topic, keyed by subject (the person)."""
    producer = AIOKafkaProducer(
        **clinic.login.client_options(), acks="all", enable_idempotence=True
    )
    await producer.start()
    try:
        for envelope in envelopes:
            await producer.send_and_wait(
                clinic.topic, envelope.model_dump_json().encode(), key=envelope.subject.encode()
            )
    finally:
        await producer.stop()


async def two_clinics_report(
    api: Api, *, kafka: KafkaAccess, topics: Topics, centre_id: str, person_id: str, say: Say
) -> None:
    """Both clinics send a craving check-in about the person, with the same event id, each
    logged in as itself: one clinic's id is no other's. Only the clinic the centre granted
    is heard; the other is refused (`sender_not_allowed`). RuntimeError if it goes otherwise."""
    ops = api.token(role=Role.OPS, centre="*", subject="ops-1")
    coordinator = api.token(role=Role.COORDINATOR, centre=centre_id, subject="coordinator-1")
    clinics = [
        await add_clinic(
            api, kafka=kafka, topics=topics, clinic=name, centres=(), ops=ops, own_login=True
        )
        for name in (CLINIC, STRANGER)
    ]
    stranger = clinics[1]
    say(
        f"ops add clinic systems {CLINIC} and {STRANGER}: each its own topic and principal, "
        "which may write that topic and nothing else"
    )
    version = await grant_clinic(api, clinic=CLINIC, centre_id=centre_id, coordinator=coordinator)
    say(f"the coordinator lets {CLINIC} act for {centre_id} (its grants' version {version})")
    event_id = new_event_id()
    fact = CravingCheckInRecorded(person_id=person_id, level=2, checked_on=datetime.now(UTC).date())
    sent = {
        clinic.id: make_envelope(
            event_id=event_id,
            source=f"/clinics/{clinic.id}",
            event_type=fact.event_type(),
            subject=person_id,
            time=datetime.now(UTC),
            data=fact.model_dump(mode="json"),
            correlation_id=new_event_id(),
        )
        for clinic in clinics
    }
    for clinic in clinics:
        await send_as_clinic(clinic, [sent[clinic.id]])
    say(f"both send a craving check-in about {person_id} over Kafka, with one event id")
    await wait_for_zero_lag(
        kafka, consumer_groups(topics.prefix, topics, clinics=(CLINIC, STRANGER))
    )
    heard = {
        _correlation_id(record.value)
        for record in await read_all(kafka, [topics.person_events], idle_seconds=0.5)
        if record.key == person_id.encode()
    }
    refusals = [
        record.headers.get("x-dlq-reason-code")
        for record in await read_all(kafka, [dead_letter_topic(stranger.topic)], idle_seconds=0.5)
        if _correlation_id(record.value) == sent[STRANGER].correlationid
    ]
    if sent[CLINIC].correlationid not in heard or refusals != ["sender_not_allowed"]:
        raise RuntimeError(
            f"clinics: {CLINIC} heard: {sent[CLINIC].correlationid in heard}, "
            f"{STRANGER} refused: {refusals}"
        )
    say(f"intake records {CLINIC}'s check-in; {STRANGER}'s is refused: sender_not_allowed")


def _correlation_id(value: bytes) -> object:
    try:
        event = json.loads(value)
    except ValueError:
        return None
    return event.get("correlationid") if isinstance(event, dict) else None
