"""Delivery against real servers: Kafka, FerretDB, an SMTP server (aiosmtpd) and an HTTP
receiver, both on 127.0.0.1 (so this service runs with webhooks to loopback allowed).
Exactly one send per (event, recipient, channel); retries with backoff; permanent failures
visible, generic for webhooks, and published; signed webhooks sent to the address checked;
quiet hours; consent; no address on Kafka.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from ipaddress import IPv4Address
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from peerlink_devtools.kafka_watch import read_all, wait_for_zero_lag
from peerlink_notifications.adapters.contacts import ContactStore
from peerlink_notifications.adapters.deliveries import DeliveryStore
from peerlink_notifications.adapters.repository import NotificationsRepository
from peerlink_notifications.adapters.webhook import WebhookTransport
from peerlink_notifications.adapters.webhook_signing import new_webhook_secret
from peerlink_notifications.adapters.webhook_targets import WebhookTargets, system_resolver
from peerlink_notifications.bootstrap import bootstrap, notification_events_publisher
from peerlink_notifications.domain.delivery import RetryPolicy
from peerlink_notifications.domain.webhook_addresses import IPAddress
from peerlink_notifications.entrypoints.contact_bodies import ContactIn
from peerlink_notifications.service_layer.handlers import NotificationsHandlers
from peerlink_notifications.service_layer.sending import DeliverySender
from peerlink_notifications.settings import NotificationsSettings
from peerlink_shared.contracts import (
    CentreRegistered,
    MessageDelivered,
    MessageDeliveryFailed,
    SessionUnfilled,
    SupporterAssigned,
)
from peerlink_shared.lifecycle.erasure import ErasureLedger
from peerlink_shared.messaging.envelope import Envelope as EventEnvelope
from peerlink_shared.messaging.outbox import Outbox
from peerlink_shared.messaging.topics import Topics
from peerlink_shared.security.auth import Role
from peerlink_shared.storage.mongo import make_mongo_client
from standardwebhooks import Webhook

from tests.fakes.clock import MovableClock
from tests.integration.helpers import (
    as_event,
    envelope_for,
    eventually,
    headers,
    in_process,
    own_topics,
    person_keys,
    publish,
)
from tests.servers import Servers

CENTRE = "d-centre"
STARTS = datetime(2031, 5, 6, 16, 0, tzinfo=UTC)  # 18:00 in Madrid
BASE_DELAY = 0.2
MAX_ATTEMPTS = 4
# Planted in every address: none may show up on any topic.
CANARY = "canary7731"
REFUSED_MAILBOX = f"refused-{CANARY}@example.org"
# A name only this service's resolver knows: a request can reach the receiver through it
# only by going to the address that was checked, never by looking the name up again.
RECEIVER_NAME = "peerlink-receiver.test"


async def receiver_dns(host: str, port: int) -> list[IPAddress]:
    if host == RECEIVER_NAME:
        return [IPv4Address("127.0.0.1")]
    return await system_resolver(host, port)


class Mailbox:
    """aiosmtpd handler: keeps every message; refuses one mailbox with a permanent 550."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.port = 0

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address == REFUSED_MAILBOX:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content
        assert isinstance(content, bytes)
        parsed = message_from_bytes(content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float
    raw: bytes


@dataclass
class Receiver:
    """A small HTTP/1.1 server: answers each path from a script, then a default."""

    requests: list[Request] = field(default_factory=list)
    script: dict[str, list[int]] = field(default_factory=dict)
    then: dict[str, int] = field(default_factory=dict)
    port: int = 0

    def answer(self, path: str, *first: int, then: int = 200) -> None:
        self.script[path] = list(first)
        self.then[path] = then

    def at(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def named_url(self, path: str) -> str:
        return f"http://{RECEIVER_NAME}:{self.port}{path}"

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            _, path, _ = head[0].split(" ", 2)
            fields = dict(line.split(":", 1) for line in head[1:] if line)
            found = {name.strip().lower(): value.strip() for name, value in fields.items()}
            body = await reader.readexactly(int(found.get("content-length", "0")))
            now = asyncio.get_running_loop().time()
            self.requests.append(Request(path, found, json.loads(body), now, body))
            queue = self.script.get(path, [])
            status = queue.pop(0) if queue else self.then.get(path, 200)
            writer.write(
                f"HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode()
            )
            await writer.drain()
        finally:
            writer.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture(scope="module")
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    server = await asyncio.start_server(found.serve, "127.0.0.1", 0)
    found.port = server.sockets[0].getsockname()[1]
    async with server:
        yield found


@pytest.fixture(scope="module")
async def topics(servers: Servers, run_id: str) -> Topics:
    """This module's own topics: it reads back every record to look for addresses."""
    return await own_topics(servers, run_id, "delivery")


@pytest.fixture(scope="module")
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture(scope="module")
async def service(
    *,
    servers: Servers,
    topics: Topics,
    run_id: str,
    clock: MovableClock,
    mailbox: Mailbox,
    receiver: Receiver,
) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process(
        lambda settings: bootstrap(settings, clock=clock, resolver=receiver_dns),
        NotificationsSettings,
        servers=servers,
        topics=topics,
        run_id=run_id,
        name="delivery",
        smtp_port=mailbox.port,
        sms_provider_url=receiver.url("/sms"),
        webhook_allow_insecure_local=True,
        delivery_base_delay_seconds=BASE_DELAY,
        delivery_max_delay_seconds=2.0,
        delivery_max_attempts=MAX_ATTEMPTS,
        delivery_poll_seconds=0.1,
        delivery_send_timeout_seconds=3.0,
    ) as client:
        centre = CentreRegistered(
            centre_id=CENTRE, display_name="Casa del Lago", region="south", timezone="Europe/Madrid"
        )
        await publish(servers.kafka, topics.centre_events, envelope_for(centre, subject=CENTRE))
        # Texts name the centre: its name must be known before the first session event.
        await wait_for_zero_lag(servers.kafka, {f"{run_id}-delivery": [topics.centre_events]})
        yield client


def own(person: str) -> dict[str, str]:
    return headers(Role.SUPPORTER, CENTRE, person)


def assigned(person: str) -> EventEnvelope:
    return envelope_for(
        SupporterAssigned(
            session_id=f"s-{person}",
            centre_id=CENTRE,
            supporter_id=person,
            slot=0,
            starts_at=STARTS,
            duration_minutes=60,
            assigned_on=STARTS.date() - timedelta(days=2),
        ),
        subject=f"s-{person}",
    )


async def set_contact(service: httpx.AsyncClient, person: str, **contact: object) -> str | None:
    """Saves the contact; the webhook secret, when this saving issued one."""
    response = await service.put(f"/persons/{person}/contact", json=contact, headers=own(person))
    assert response.status_code == 200, response.text
    secret: str | None = response.json()["webhook_secret"]
    return secret


async def settled(
    service: httpx.AsyncClient, person: str, channels: int
) -> dict[str, dict[str, Any]]:
    """The person's deliveries by channel, once all `channels` exist and none is pending."""

    async def probe() -> dict[str, dict[str, Any]] | None:
        found = (await service.get(f"/persons/{person}/deliveries", headers=own(person))).json()
        if len(found) < channels or any(d["status"] == "pending" for d in found):
            return None
        return {d["channel"]: d for d in found}

    return await eventually(probe, timeout=20)


async def notification_events(
    servers: Servers, topics: Topics, person: str
) -> list[dict[str, Any]]:
    records = await read_all(servers.kafka, [topics.notification_events], idle_seconds=0.5)
    events = [as_event(r.value) for r in records if r.key == person.encode()]
    return [e for e in events if e is not None]


async def test_email_webhook_and_sms_arrive_once_however_often_the_event_arrives(
    *,
    service: httpx.AsyncClient,
    mailbox: Mailbox,
    receiver: Receiver,
    servers: Servers,
    topics: Topics,
    run_id: str,
    clock: MovableClock,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.INFO)  # the services log at INFO
    person = "p-d1"
    address = f"p-d1-{CANARY}@example.org"
    hook = f"/hooks/{CANARY}-d1"
    secret = await set_contact(
        service,
        person,
        email=address,
        webhook_url=receiver.named_url(hook),
        sms="+35386007731",
        consent=["email", "webhook", "sms"],
        locale="es",
    )
    event = assigned(person)
    await publish(servers.kafka, topics.session_events, event, event, event)
    deliveries = await settled(service, person, channels=4)

    assert {channel: d["status"] for channel, d in deliveries.items()} == {
        "in_app": "sent",
        "email": "sent",
        "webhook": "sent",
        "sms": "sent",
    }
    text = "Tienes una sesión reservada en Casa del Lago el martes 6 de mayo de 2031 a las 18:00."
    (mail,) = mailbox.to(address)
    assert mail["Subject"] == "PeerLink: tienes una sesión reservada"
    assert mail.get_content().strip() == text
    email_id = deliveries["email"]["delivery_id"]
    assert mail["Message-ID"] == f"<{email_id}@notifications.peerlink>"
    (post,) = receiver.at(hook)
    assert post.headers["idempotency-key"] == deliveries["webhook"]["delivery_id"]
    assert post.headers["host"] == f"{RECEIVER_NAME}:{receiver.port}"
    # The receiver checks the signature with the secret it was given once.
    assert secret is not None
    assert secret.startswith("whsec_")
    assert Webhook(secret).verify(post.raw, post.headers) == post.body
    assert post.headers["webhook-id"] == deliveries["webhook"]["delivery_id"]
    shown = await service.get(f"/persons/{person}/contact", headers=own(person))
    assert shown.status_code == 200
    assert secret.removeprefix("whsec_") not in shown.text
    assert "secret" not in shown.text
    assert post.body["text"] == text
    assert post.body["message_id"] == deliveries["in_app"]["message_id"]
    (sms,) = receiver.at("/sms")
    assert sms.body == {
        "to": "+35386007731",
        "text": text,
        "reference": sms.headers["idempotency-key"],
    }

    # Even past the consumer's dedup (say it crashed before remembering the event), the
    # handler itself records nothing new for an event it has seen.
    client = make_mongo_client(servers.mongo_url)
    try:
        db = client[f"{run_id}_delivery"]
        again = NotificationsHandlers(
            repository=NotificationsRepository(db),
            contacts=ContactStore(db, keys=person_keys(client)),
            deliveries=DeliveryStore(db),
            notification_events=notification_events_publisher(
                sink=Outbox(db, clock=clock), topics=topics, clock=clock
            ),
            clock=clock,
            wake=asyncio.Event(),
            erasures=ErasureLedger(db),
        )
        payload = SupporterAssigned.model_validate(event.data)
        await again.on_supporter_assigned(event, payload)
        await again.on_supporter_assigned(event, payload)
        await asyncio.sleep(1.0)  # ten rounds of the delivery loop
    finally:
        await client.close()
    assert len(mailbox.to(address)) == 1
    assert len(receiver.at(hook)) == 1
    assert len(receiver.at("/sms")) == 1
    found = (await service.get(f"/persons/{person}/deliveries", headers=own(person))).json()
    assert sorted(d["channel"] for d in found) == ["email", "in_app", "sms", "webhook"]

    async def delivered() -> list[dict[str, Any]] | None:
        events = await notification_events(servers, topics, person)
        done = [e for e in events if e["type"] == MessageDelivered.event_type()]
        return done if len(done) == 3 else None

    events = await eventually(delivered)
    assert sorted(e["data"]["channel"] for e in events) == ["email", "sms", "webhook"]
    assert all(e["causationid"] == deliveries["in_app"]["message_id"] for e in events)
    # Sending logged ids and codes, never where it sent to (the URL, the address).
    printed = capsys.readouterr()
    # aiosmtpd ("mail.log") is the recipient's server here, not ours.
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail"))
    assert "delivery_sent" in printed.out + printed.err + ours
    for logged in (ours, printed.out, printed.err):
        assert CANARY not in logged
        assert "+35386007731" not in logged


async def test_transient_failures_are_retried_with_backoff_until_sent_or_exhausted(
    service: httpx.AsyncClient, receiver: Receiver, servers: Servers, topics: Topics
) -> None:
    receiver.answer("/hooks/d2", 503, 500)
    receiver.answer("/hooks/d3", then=503)
    await set_contact(service, "p-d2", webhook_url=receiver.url("/hooks/d2"), consent=["webhook"])
    await set_contact(service, "p-d3", webhook_url=receiver.url("/hooks/d3"), consent=["webhook"])
    await publish(servers.kafka, topics.session_events, assigned("p-d2"), assigned("p-d3"))

    recovered = (await settled(service, "p-d2", channels=2))["webhook"]
    assert recovered["status"] == "sent"
    assert recovered["attempts"] == 3
    assert recovered["last_error"] == "webhook_failed"  # not what answered: http_500
    posts = receiver.at("/hooks/d2")
    assert len(posts) == 3
    assert {p.headers["idempotency-key"] for p in posts} == {recovered["delivery_id"]}
    # Each wait is at least half its schedule: base, then twice base.
    assert posts[1].at - posts[0].at >= 0.5 * BASE_DELAY
    assert posts[2].at - posts[1].at >= 0.5 * BASE_DELAY * 2

    gave_up = (await settled(service, "p-d3", channels=2))["webhook"]
    assert gave_up["status"] == "failed"
    assert (gave_up["reason"], gave_up["last_error"]) == ("attempts_exhausted", "webhook_failed")
    assert gave_up["attempts"] == MAX_ATTEMPTS
    assert len(receiver.at("/hooks/d3")) == MAX_ATTEMPTS


async def test_a_permanent_failure_is_recorded_visible_and_published(
    service: httpx.AsyncClient,
    mailbox: Mailbox,
    receiver: Receiver,
    servers: Servers,
    topics: Topics,
) -> None:
    receiver.answer("/hooks/d4", then=400)
    await set_contact(
        service,
        "p-d4",
        email=REFUSED_MAILBOX,
        webhook_url=receiver.url("/hooks/d4"),
        consent=["email", "webhook"],
    )
    await publish(servers.kafka, topics.session_events, assigned("p-d4"))
    deliveries = await settled(service, "p-d4", channels=3)
    # The relay is ours, so its code is shown; a webhook's answer is its owner's network's.
    for channel, reason in (("email", "smtp_550"), ("webhook", "webhook_failed")):
        assert deliveries[channel]["status"] == "failed"
        assert deliveries[channel]["reason"] == reason
        assert deliveries[channel]["attempts"] == 1
        assert deliveries[channel]["next_attempt_at"] is None
    assert len(receiver.at("/hooks/d4")) == 1
    assert mailbox.to(REFUSED_MAILBOX) == []

    coordinator = headers(Role.COORDINATOR, CENTRE)
    at_centre = (await service.get(f"/centres/{CENTRE}/deliveries", headers=coordinator)).json()
    failed = {(d["recipient_id"], d["channel"], d["reason"]) for d in at_centre}
    assert {("p-d4", "email", "smtp_550"), ("p-d4", "webhook", "webhook_failed")} <= failed
    assert "http_400" not in json.dumps(at_centre)
    assert CANARY not in json.dumps(at_centre)
    other = headers(Role.COORDINATOR, "elsewhere")
    assert (await service.get(f"/centres/{CENTRE}/deliveries", headers=other)).status_code == 403
    denied = await service.get("/persons/p-d4/deliveries", headers=own("p-d1"))
    assert denied.status_code == 403

    async def failures() -> list[dict[str, Any]] | None:
        events = await notification_events(servers, topics, "p-d4")
        failed = [e for e in events if e["type"] == MessageDeliveryFailed.event_type()]
        return failed if len(failed) == 2 else None

    events = await eventually(failures)
    assert sorted((e["data"]["channel"], e["data"]["reason"]) for e in events) == [
        ("email", "smtp_550"),
        ("webhook", "webhook_failed"),
    ]


async def test_without_consent_nothing_is_sent_on_that_channel(
    service: httpx.AsyncClient,
    mailbox: Mailbox,
    receiver: Receiver,
    servers: Servers,
    topics: Topics,
) -> None:
    address = f"p-d5-{CANARY}@example.org"
    refused = await service.put(
        "/persons/p-d5/contact", json={"email": address, "consent": ["sms"]}, headers=own("p-d5")
    )
    assert refused.status_code == 422
    (problem,) = refused.json()["detail"]
    assert problem["type"] == "consent_without_address"
    assert problem["msg"] == "consent was given for sms with no address for it"
    assert CANARY not in refused.text
    await set_contact(
        service,
        "p-d5",
        email=address,
        webhook_url=receiver.url("/hooks/d5"),
        consent=["webhook"],
    )
    await publish(servers.kafka, topics.session_events, assigned("p-d5"))
    deliveries = await settled(service, "p-d5", channels=2)
    assert sorted(deliveries) == ["in_app", "webhook"]
    assert len(receiver.at("/hooks/d5")) == 1
    await asyncio.sleep(0.5)
    assert mailbox.to(address) == []
    shown = (await service.get("/persons/p-d5/contact", headers=own("p-d5"))).json()
    assert (shown["email"], shown["on_file"], shown["consent"]) == (
        address,
        ["email", "webhook"],
        ["webhook"],
    )
    to_ops = await service.get(
        "/persons/p-d5/contact", headers=headers(Role.OPS, "*", reason="support ticket 12")
    )
    assert to_ops.json()["on_file"] == ["email", "webhook"]
    assert CANARY not in to_ops.text


async def test_the_centre_is_told_of_an_unfilled_session_at_its_own_address(
    service: httpx.AsyncClient, mailbox: Mailbox, servers: Servers, topics: Topics
) -> None:
    address = f"coordinators-{CANARY}@example.org"
    coordinator = headers(Role.COORDINATOR, CENTRE)
    contact = {"email": address, "consent": ["email"]}
    refused = await service.put(
        f"/centres/{CENTRE}/contact", json=contact, headers=headers(Role.COORDINATOR, "elsewhere")
    )
    assert refused.status_code == 403
    accepted = await service.put(f"/centres/{CENTRE}/contact", json=contact, headers=coordinator)
    assert accepted.status_code == 200
    unfilled = SessionUnfilled(
        session_id="s-d6",
        centre_id=CENTRE,
        starts_at=STARTS,
        open_slots=1,
        reason="no_free_supporters",
    )
    await publish(servers.kafka, topics.session_events, envelope_for(unfilled, subject="s-d6"))

    async def mail() -> EmailMessage | None:
        return mailbox.to(address)[0] if mailbox.to(address) else None

    received = await eventually(mail, timeout=20)
    assert received.get_content().strip() == (
        "The session at Casa del Lago on Tuesday 06 May 2031 at 18:00 still needs 1 supporter: "
        "every supporter who can serve is booked, away or at their weekly limit."
    )
    shown = (await service.get(f"/centres/{CENTRE}/contact", headers=coordinator)).json()
    assert shown["email"] == address


async def test_quiet_hours_defer_a_delivery_to_their_end(
    service: httpx.AsyncClient,
    mailbox: Mailbox,
    servers: Servers,
    topics: Topics,
    clock: MovableClock,
) -> None:
    now = clock.now().replace(second=0, microsecond=0)
    ends = now + timedelta(hours=1)
    address = f"p-d7-{CANARY}@example.org"
    await set_contact(
        service,
        "p-d7",
        email=address,
        consent=["email"],
        quiet_hours={
            "start": (now - timedelta(hours=1)).strftime("%H:%M"),
            "end": ends.strftime("%H:%M"),
            "timezone": "UTC",
        },
    )
    await publish(servers.kafka, topics.session_events, assigned("p-d7"))
    waiting = (await settled(service, "p-d7", channels=2))["email"]
    assert waiting["status"] == "deferred"
    assert datetime.fromisoformat(waiting["next_attempt_at"]) == ends
    assert waiting["attempts"] == 0
    await asyncio.sleep(0.5)
    assert mailbox.to(address) == []

    clock.advance(timedelta(hours=1, minutes=1))

    async def sent() -> dict[str, Any] | None:
        email = (await settled(service, "p-d7", channels=2))["email"]
        return email if email["status"] == "sent" else None

    assert (await eventually(sent, timeout=10))["attempts"] == 1
    assert len(mailbox.to(address)) == 1


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::ffff:10.0.0.1]/hook",
        "http://[fd00:ec2::254]/hook",
        "http://100.64.0.1/hook",
    ],
)
async def test_allowing_local_receivers_opens_loopback_and_nothing_else(
    service: httpx.AsyncClient, url: str
) -> None:
    response = await service.put(
        "/persons/p-d8/contact", json={"webhook_url": url}, headers=own("p-d8")
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["type"] == "webhook_address_refused"


async def test_two_replicas_never_make_the_same_attempt(
    servers: Servers, topics: Topics, run_id: str, receiver: Receiver
) -> None:
    """Two senders on one database, racing round for round: each attempt is made once."""
    failing_first = {0, 1, 2}
    for index in failing_first:
        receiver.answer(f"/hooks/race{index}", 503)  # then 200: two attempts
    client = make_mongo_client(servers.mongo_url)
    try:
        db = client[f"{run_id}_delivery_race"]
        clock = MovableClock()
        contacts, deliveries = ContactStore(db, keys=person_keys(client)), DeliveryStore(db)
        await deliveries.ensure_indexes()
        handlers = NotificationsHandlers(
            repository=NotificationsRepository(db),
            contacts=contacts,
            deliveries=deliveries,
            notification_events=notification_events_publisher(
                sink=Outbox(db, clock=clock), topics=topics, clock=clock
            ),
            clock=clock,
            wake=asyncio.Event(),
            erasures=ErasureLedger(db),
        )
        for index in range(5):
            contact = ContactIn(
                webhook_url=receiver.url(f"/hooks/race{index}"), consent=["webhook"]
            ).to_contact()
            signed = replace(contact, webhook_secret=new_webhook_secret())
            await contacts.replace("person", f"p-race{index}", signed)
            event = assigned(f"p-race{index}")
            await handlers.on_supporter_assigned(
                event, SupporterAssigned.model_validate(event.data)
            )

        def replica(name: str) -> DeliverySender:
            return DeliverySender(
                deliveries=deliveries,
                contacts=contacts,
                notification_events=notification_events_publisher(
                    sink=Outbox(db, clock=clock), topics=topics, clock=clock
                ),
                clock=clock,
                transports={
                    "webhook": WebhookTransport(
                        targets=WebhookTargets(allow_insecure_local=True, timeout=3.0),
                        clock=clock,
                        timeout=3.0,
                    )
                },
                policy=RetryPolicy(max_attempts=3, base_delay=timedelta(milliseconds=50)),
                replica=name,
                claim_lease=timedelta(minutes=2),
            )

        one, two = replica("one"), replica("two")
        for _ in range(40):
            await asyncio.gather(one.send_due(), two.send_due())
            if await deliveries.count_pending() == 0:
                break
            await asyncio.sleep(0.05)
        assert await deliveries.count_pending() == 0
        made = {
            doc["recipient_id"]: doc["attempts"]
            for doc in await db["deliveries"].find({"channel": "webhook"}).to_list()
        }
    finally:
        await client.close()
    for index in range(5):
        expected = 2 if index in failing_first else 1
        posts = receiver.at(f"/hooks/race{index}")
        assert (len(posts), made[f"p-race{index}"]) == (expected, expected), index
        assert len({p.headers["idempotency-key"] for p in posts}) == 1


async def test_no_address_travels_on_any_topic(servers: Servers, topics: Topics) -> None:
    """Runs last: every record this module caused, on every topic, without an address."""
    everything = [name for name, _ in topics.all_with_dead_letters()]
    records = await read_all(servers.kafka, everything)
    assert any(r.topic == topics.notification_events for r in records)
    for record in records:
        assert CANARY.encode() not in record.value, record.topic
        assert b"+35386007731" not in record.value, record.topic
        assert CANARY not in json.dumps(record.headers), record.topic
