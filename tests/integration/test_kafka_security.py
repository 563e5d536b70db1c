"""The broker's door, tried as an outsider and as each principal: SASL_SSL logins, least
privilege per service, and the ops principal's limits. Against the real broker."""

from __future__ import annotations

import asyncio
import secrets
import ssl
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import (
    GroupAuthorizationFailedError,
    KafkaConnectionError,
    KafkaError,
    TopicAuthorizationFailedError,
)
from peerlink_ops.kafka_acls import (
    SERVICES,
    Grant,
    clinic_principal,
    consumer_group,
    grant,
    published_topics,
)
from peerlink_ops.kafka_users import retire_scram_users, set_scram_password
from peerlink_ops.topics_admin import provision_clinic
from peerlink_shared.messaging.kafka_access import KafkaAccess
from peerlink_shared.messaging.topics import Topics, dead_letter_topic
from pydantic import SecretStr

from tests.servers import Servers

BOUND = 20.0
CLINICS = ("acl-a", "acl-b")


@pytest.fixture(scope="module", autouse=True)
def _sasl_required(servers: Servers) -> None:
    assert servers.kafka.security_protocol == "SASL_SSL", (
        "these tests need the SASL_SSL broker that `make up` starts"
    )


async def produce(kafka: KafkaAccess, topic: str, *, timeout: float = BOUND) -> None:
    producer = AIOKafkaProducer(
        **kafka.client_options(), acks="all", enable_idempotence=True, request_timeout_ms=8000
    )
    try:
        async with asyncio.timeout(timeout):
            await producer.start()
            await producer.send_and_wait(topic, b"{}", key=b"k")
    finally:
        await producer.stop()


async def consume(kafka: KafkaAccess, topic: str, group: str) -> None:
    consumer = AIOKafkaConsumer(
        topic,
        **kafka.client_options(),
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        request_timeout_ms=8000,
    )
    try:
        async with asyncio.timeout(BOUND):
            await consumer.start()
            await consumer.getmany(timeout_ms=3000)
    finally:
        await consumer.stop()


async def test_a_client_without_credentials_is_refused(servers: Servers, topics: Topics) -> None:
    anonymous = KafkaAccess(bootstrap=servers.kafka.bootstrap, security_protocol="PLAINTEXT")
    with pytest.raises((KafkaError, TimeoutError, OSError)):
        await produce(anonymous, topics.person_events, timeout=10)


async def test_a_wrong_password_is_refused(servers: Servers, topics: Topics) -> None:
    wrong = servers.kafka.as_principal("intake", "not-the-password")
    with pytest.raises((KafkaError, TimeoutError)):
        await produce(wrong, topics.person_events, timeout=10)


async def test_an_unknown_user_is_refused(servers: Servers, topics: Topics) -> None:
    stranger = servers.kafka.as_principal("mallory", "any-password-at-all")
    with pytest.raises((KafkaError, TimeoutError)):
        await produce(stranger, topics.person_events, timeout=10)


async def test_a_broker_certificate_from_another_ca_is_not_trusted(
    servers: Servers, topics: Topics
) -> None:
    # The system trust store has never heard of the local CA: TLS must fail, not fall back.
    untrusting = replace(servers.kafka.as_principal("intake"), ca_file=None)
    with pytest.raises((KafkaConnectionError, ssl.SSLError, TimeoutError, KafkaError)):
        await produce(untrusting, topics.person_events, timeout=10)


@pytest.mark.parametrize("service", SERVICES)
async def test_each_service_may_write_what_it_publishes(
    servers: Servers, topics: Topics, service: str
) -> None:
    for topic in published_topics(topics, service):
        await produce(servers.kafka.as_principal(service), topic)


# A topic each service does not publish, and one it does not read.
FOREIGN_WRITES = {
    "intake": "eligibility-changes",
    "eligibility": "session-events",
    "scheduling": "eligibility-changes",
    "notifications": "session-events",
}
FOREIGN_READS = {
    "intake": "person-events",
    "eligibility": "session-events",
    "scheduling": "notification-events",
    "notifications": "person-events",
}


@pytest.mark.parametrize("service", SERVICES)
async def test_each_service_is_refused_a_topic_it_does_not_publish(
    servers: Servers, topics: Topics, service: str
) -> None:
    with pytest.raises((TopicAuthorizationFailedError, KafkaError, TimeoutError)) as refused:
        await produce(servers.kafka.as_principal(service), topics.name(FOREIGN_WRITES[service]))
    assert not isinstance(refused.value, KafkaConnectionError)


@pytest.mark.parametrize("service", SERVICES)
async def test_each_service_is_refused_a_topic_it_does_not_read(
    servers: Servers, topics: Topics, service: str
) -> None:
    with pytest.raises((TopicAuthorizationFailedError, KafkaError)):
        await consume(
            servers.kafka.as_principal(service),
            topics.name(FOREIGN_READS[service]),
            consumer_group(topics.prefix, service),
        )


@pytest.fixture(scope="module")
async def clinics(servers: Servers, topics: Topics) -> AsyncIterator[dict[str, KafkaAccess]]:
    """Two clinics with their topics, ACLs and logins (users named under the run's prefix)."""
    logins = {}
    for clinic in CLINICS:
        await provision_clinic(servers.kafka, topics, clinic)
        logins[clinic] = await set_scram_password(
            servers.kafka, clinic_principal(topics, clinic), secrets.token_urlsafe(24)
        )
    yield logins
    await retire_scram_users(servers.kafka, [clinic_principal(topics, c) for c in CLINICS])


async def test_a_clinic_writes_its_own_topic_and_nothing_else(
    topics: Topics, clinics: dict[str, KafkaAccess]
) -> None:
    first, second = CLINICS
    await produce(clinics[first], topics.clinic_inbound(first))
    for foreign in (
        topics.clinic_inbound(second),  # another clinic's: it would speak as that clinic
        dead_letter_topic(topics.clinic_inbound(first)),
        topics.person_events,
    ):
        with pytest.raises((TopicAuthorizationFailedError, KafkaError, TimeoutError)) as refused:
            await produce(clinics[first], foreign)
        assert not isinstance(refused.value, KafkaConnectionError), foreign
    # Nor may it read anything, its own topic included.
    with pytest.raises((TopicAuthorizationFailedError, GroupAuthorizationFailedError, KafkaError)):
        await consume(
            clinics[first], topics.clinic_inbound(first), consumer_group(topics.prefix, "intake")
        )


async def test_intake_reads_a_clinics_topic_and_dead_letters_it_but_cannot_write_it(
    servers: Servers, topics: Topics, clinics: dict[str, KafkaAccess]
) -> None:
    intake = servers.kafka.as_principal("intake")
    inbound = topics.clinic_inbound(CLINICS[0])
    await consume(intake, inbound, consumer_group(topics.prefix, "intake"))
    await produce(intake, dead_letter_topic(inbound))
    with pytest.raises((TopicAuthorizationFailedError, KafkaError, TimeoutError)) as refused:
        await produce(intake, inbound)  # intake cannot forge a clinic's events
    assert not isinstance(refused.value, KafkaConnectionError)


@pytest.mark.parametrize("service", SERVICES)
async def test_each_service_is_refused_another_services_group(
    servers: Servers, topics: Topics, service: str, clinics: dict[str, KafkaAccess]
) -> None:
    other = SERVICES[(SERVICES.index(service) + 1) % len(SERVICES)]
    own_topic = {
        "intake": topics.clinic_inbound(CLINICS[0]),
        "eligibility": topics.person_events,
        "scheduling": topics.eligibility_changes,
        "notifications": topics.session_events,
    }[service]
    with pytest.raises(GroupAuthorizationFailedError):
        await consume(
            servers.kafka.as_principal(service), own_topic, consumer_group(topics.prefix, other)
        )
    # The same read in its own group is allowed: the refusal above is about the group.
    await consume(
        servers.kafka.as_principal(service), own_topic, consumer_group(topics.prefix, service)
    )


async def test_a_service_may_dead_letter_what_it_reads(servers: Servers, topics: Topics) -> None:
    await produce(
        servers.kafka.as_principal("eligibility"), dead_letter_topic(topics.person_events)
    )
    with pytest.raises((TopicAuthorizationFailedError, KafkaError, TimeoutError)):
        await produce(
            servers.kafka.as_principal("eligibility"), dead_letter_topic(topics.session_events)
        )


async def test_ops_reads_and_replays_but_cannot_grant_itself_more(
    servers: Servers, topics: Topics
) -> None:
    ops = servers.kafka.as_principal("ops")
    await produce(ops, topics.person_events)
    await consume(ops, topics.person_events, f"{topics.prefix}peerlink-ops")
    with pytest.raises(Exception, match=r"(?i)authori"):
        await grant(ops, [Grant("ops", "ALTER", "CLUSTER", "kafka-cluster")])


def test_the_password_never_shows_in_a_repr(servers: Servers) -> None:
    access = servers.kafka.as_principal("intake")
    assert access.password is not None
    secret = access.password.get_secret_value()
    assert secret not in repr(access) and secret not in str(access)
    assert isinstance(access.password, SecretStr)
