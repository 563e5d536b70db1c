"""In-process services against the real servers, and ways to feed and read Kafka."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from peerlink_devtools.scenario import bearer_headers
from peerlink_eligibility.bootstrap import bootstrap as eligibility_bootstrap
from peerlink_eligibility.settings import EligibilitySettings
from peerlink_intake.bootstrap import bootstrap as intake_bootstrap
from peerlink_intake.settings import IntakeSettings
from peerlink_ops.topics_admin import ensure_topics, provision_clinic
from peerlink_shared.contracts import Payload
from peerlink_shared.keys import KeyRing, PersonKeys, new_kek_setting
from peerlink_shared.messaging.envelope import Envelope, make_envelope, new_event_id
from peerlink_shared.messaging.kafka_access import KafkaAccess
from peerlink_shared.messaging.sealed_events import EventSeal
from peerlink_shared.messaging.topics import Topics
from peerlink_shared.security.auth import ALL_AUDIENCES, Role
from peerlink_shared.security.auth_local import local_key
from peerlink_shared.settings import ServiceSettings
from peerlink_shared.storage.mongo import Database, Document, make_mongo_client
from pymongo import AsyncMongoClient

from tests.servers import RUN_ID, Servers

SECRET = secrets.token_urlsafe(40)
KEK = new_kek_setting()
# Every service a test process starts shares one vault, as the services of a network do.
# (Under the run id: dropped with the run's other databases.)
KEY_VAULT_DB = f"{RUN_ID}_keys"
T = TypeVar("T")
S = TypeVar("S", bound=ServiceSettings)


def headers(
    role: Role,
    centre: str,
    subject: str = "tester",
    *,
    reason: str | None = None,
    audiences: Sequence[str] = ALL_AUDIENCES,
) -> dict[str, str]:
    """A bearer header signed as the in-process services expect, for every service unless
    `audiences` narrows it; `reason` goes in X-Access-Reason (ops needs one on a person's
    data)."""
    return bearer_headers(
        local_key(SECRET),
        role=role,
        centre=centre,
        subject=subject,
        reason=reason,
        audiences=audiences,
    )


def settings_for(kafka: KafkaAccess) -> dict[str, object]:
    """A service's Kafka settings for this access (tests run in-process services as admin;
    the end-to-end tests start each service as its own principal)."""
    return {
        "kafka_bootstrap": kafka.bootstrap,
        "kafka_security_protocol": kafka.security_protocol,
        "kafka_sasl_mechanism": kafka.sasl_mechanism,
        "kafka_username": kafka.username,
        "kafka_password": kafka.password,
        "kafka_ca_file": kafka.ca_file,
    }


def service_app(
    bootstrap: Callable[[S], FastAPI],
    settings_type: type[S],
    *,
    servers: Servers,
    topics: Topics,
    run_id: str,
    name: str,
    **overrides: object,
) -> FastAPI:
    """One service's app on the real servers, with its own database and consumer group; its
    lifespan not yet started."""
    settings = settings_type.model_validate(
        {
            **settings_for(servers.kafka),
            "mongo_url": servers.mongo_url,
            "mongo_database": f"{run_id}_{name}",
            "consumer_group": f"{run_id}-{name}",
            "topic_prefix": topics.prefix,
            "token_secret": SECRET,
            "key_encryption_keys": KEK,
            "key_vault_db": KEY_VAULT_DB,
            "http_port": 1,
            **overrides,
        }
    )
    return bootstrap(settings)


@asynccontextmanager
async def in_process(
    bootstrap: Callable[[S], FastAPI],
    settings_type: type[S],
    *,
    servers: Servers,
    topics: Topics,
    run_id: str,
    name: str,
    **overrides: object,
) -> AsyncIterator[httpx.AsyncClient]:
    """One service in this process: its own database and consumer group, the real servers,
    its whole lifespan (broker, subscribers, outbox relay), and an HTTP client to it."""
    app = service_app(
        bootstrap,
        settings_type,
        servers=servers,
        topics=topics,
        run_id=run_id,
        name=name,
        **overrides,
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://service"
        ) as client,
    ):
        yield client


def served(
    bootstrap: Callable[[S], FastAPI],
    settings_type: type[S],
    *,
    name: str,
    then: Callable[[httpx.AsyncClient], Awaitable[None]] | None = None,
    **overrides: object,
) -> Callable[..., object]:
    """A module-scoped fixture serving one service in this process (`in_process`), named by
    what it is assigned to: `intake = served(bootstrap, IntakeSettings, name="intake")`;
    `then` prepares it (registers centres, say) before the module's tests use it."""

    @pytest.fixture(scope="module")
    async def serve(
        servers: Servers, topics: Topics, run_id: str
    ) -> AsyncIterator[httpx.AsyncClient]:
        async with in_process(
            bootstrap,
            settings_type,
            servers=servers,
            topics=topics,
            run_id=run_id,
            name=name,
            **overrides,
        ) as client:
            if then is not None:
                await then(client)
            yield client

    return serve


@dataclass(frozen=True)
class Starter:
    """Starts services in this process (`in_process`) into `stack`, each named
    `<prefix>-<name>`; they stop with the stack."""

    stack: AsyncExitStack
    servers: Servers
    topics: Topics
    run_id: str
    prefix: str

    async def start(
        self,
        name: str,
        bootstrap: Callable[[S], FastAPI],
        settings_type: type[S],
        **overrides: object,
    ) -> httpx.AsyncClient:
        started = in_process(
            bootstrap,
            settings_type,
            servers=self.servers,
            topics=self.topics,
            run_id=self.run_id,
            name=f"{self.prefix}-{name}",
            **overrides,
        )
        return await self.stack.enter_async_context(started)


@asynccontextmanager
async def intake_and_eligibility(
    servers: Servers, topics: Topics, run_id: str, *, names: tuple[str, str]
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """Intake and eligibility in this process (`in_process`), under these two names."""
    intake_name, eligibility_name = names
    async with (
        in_process(
            intake_bootstrap,
            IntakeSettings,
            servers=servers,
            topics=topics,
            run_id=run_id,
            name=intake_name,
        ) as intake,
        in_process(
            eligibility_bootstrap,
            EligibilitySettings,
            servers=servers,
            topics=topics,
            run_id=run_id,
            name=eligibility_name,
        ) as eligibility,
    ):
        yield intake, eligibility


async def register_centres(
    intake: httpx.AsyncClient,
    *centres: str,
    caller: dict[str, str],
    name: str | None = None,
    region: str = "n",
    timezone: str = "UTC",
) -> None:
    """Registers each centre at intake as `caller`, named `name` or after its id, and checks
    that intake took it."""
    for centre in centres:
        body = {
            "centre_id": centre,
            "display_name": name or centre,
            "region": region,
            "timezone": timezone,
        }
        registered = await intake.put(f"/centres/{centre}", json=body, headers=caller)
        assert registered.status_code == 200, registered.text


async def own_topics(servers: Servers, run_id: str, name: str) -> Topics:
    """Topics of one module's own (`<run>-<name>-`), created for it."""
    own = Topics(prefix=f"{run_id}-{name}-")
    await ensure_topics(kafka=servers.kafka, topics=own)
    return own


@asynccontextmanager
async def scratch_database(servers: Servers, name: str) -> AsyncIterator[Database]:
    """The database `name`, dropped afterwards."""
    client = make_mongo_client(servers.mongo_url)
    try:
        yield client[name]
    finally:
        await client.drop_database(name)
        await client.close()


async def clinic_topic(
    intake: httpx.AsyncClient, servers: Servers, topics: Topics, clinic: str, centres: list[str]
) -> str:
    """A clinic system acting for these centres: its topic (and intake's right to read it),
    its grants at intake; returns the topic it publishes on."""
    await provision_clinic(servers.kafka, topics, clinic)
    registered = await intake.put(
        f"/clinics/{clinic}", json={"centres": centres}, headers=headers(Role.OPS, "*")
    )
    assert registered.status_code == 200, registered.text
    return topics.clinic_inbound(clinic)


def envelope_for(
    payload: Payload, *, subject: str, event_id: str | None = None, source: str = "/tests"
) -> Envelope:
    return make_envelope(
        event_id=event_id or new_event_id(),
        source=source,
        event_type=payload.event_type(),
        subject=subject,
        time=datetime.now(UTC),
        data=payload.model_dump(mode="json"),
        correlation_id=new_event_id(),
    )


async def publish_raw(
    kafka: KafkaAccess,
    topic: str,
    values: list[tuple[bytes | None, bytes]],
    *,
    headers: list[tuple[str, bytes]] | None = None,
) -> None:
    producer = AIOKafkaProducer(**kafka.client_options(), acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for key, value in values:
            await producer.send_and_wait(topic, value, key=key, headers=headers)
    finally:
        await producer.stop()


async def publish(kafka: KafkaAccess, topic: str, *envelopes: Envelope) -> None:
    await publish_raw(
        kafka,
        topic,
        [(item.subject.encode(), item.model_dump_json().encode()) for item in envelopes],
    )


def as_event(value: bytes) -> dict[str, Any] | None:
    """The JSON event in a record, or None for the junk other tests put on shared topics."""
    try:
        event = json.loads(value)
    except (ValueError, RecursionError):  # not JSON, or a hostile 10,000-deep body
        return None
    return event if isinstance(event, dict) and "id" in event else None


def person_keys(client: AsyncMongoClient[Document]) -> PersonKeys:
    """The key vault the in-process services share, through this client."""
    ring = KeyRing.parse(KEK)
    return PersonKeys(client[KEY_VAULT_DB], ring=ring, now=lambda: datetime.now(UTC))


def vault(servers: Servers) -> tuple[PersonKeys, AsyncMongoClient[Document]]:
    """The shared key vault and its own client, to close."""
    client = make_mongo_client(servers.mongo_url)
    return person_keys(client), client


async def opened(servers: Servers, event: dict[str, Any]) -> dict[str, Any]:
    """A sealed event as its consumers see it (opened with the shared vault); others as
    they are."""
    envelope = Envelope.model_validate(event)
    if envelope.personkeyid is None:
        return event
    keys, client = vault(servers)
    try:
        found = await EventSeal(keys=keys).open(envelope)
    finally:
        await client.close()
    assert isinstance(found, Envelope), "the person's key was destroyed"
    return {**event, "data": found.data}


async def eventually(probe: Callable[[], Awaitable[T | None]], *, timeout: float = 30.0) -> T:
    """Polls until the probe returns something other than None (or False)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await probe()
        if result is not None and result is not False:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"condition not met within {timeout}s")
        await asyncio.sleep(0.2)
