"""Each service's AsyncAPI document receives exactly what its consumer subscribes to, and sends
exactly what the topic catalogue (and so its Kafka ACLs) let it publish: the channels are
derived from the tables that run the service, not declared a second time."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from faststream.kafka import KafkaBroker
from faststream.kafka.subscriber.usecase import LogicSubscriber
from peerlink_eligibility.bootstrap import bootstrap as eligibility
from peerlink_eligibility.settings import EligibilitySettings
from peerlink_intake.bootstrap import bootstrap as intake
from peerlink_intake.settings import IntakeSettings
from peerlink_notifications.bootstrap import bootstrap as notifications
from peerlink_notifications.settings import NotificationsSettings
from peerlink_ops.kafka_acls import SUBSCRIPTIONS, published_topics
from peerlink_scheduling.bootstrap import bootstrap as scheduling
from peerlink_scheduling.settings import SchedulingSettings
from peerlink_shared.contracts import (
    PAYLOADS,
    PERSON_FACTS,
    AdmissionRecorded,
    CentreRegistered,
    PersonErased,
    PolicyChanged,
    SessionFilled,
)
from peerlink_shared.keys import new_kek_setting
from peerlink_shared.messaging.asyncapi_channels import received_channels, sent_channels
from peerlink_shared.messaging.consumer import EventConsumer, Route, route
from peerlink_shared.messaging.envelope import Envelope
from peerlink_shared.messaging.kafka import make_broker
from peerlink_shared.messaging.subscriptions import Subscription
from peerlink_shared.messaging.topics import (
    CATALOGUE,
    CLINIC_INBOUND,
    CLINIC_INBOUND_SPEC,
    Topics,
)

Document = dict[str, Any]
PREFIX = "run-7-"
SERVICES: dict[str, Callable[[dict[str, str]], FastAPI]] = {
    "intake": lambda values: intake(IntakeSettings.model_validate(values)),
    "eligibility": lambda values: eligibility(EligibilitySettings.model_validate(values)),
    "scheduling": lambda values: scheduling(SchedulingSettings.model_validate(values)),
    "notifications": lambda values: notifications(NotificationsSettings.model_validate(values)),
}


@dataclass
class Wired:
    """What one service's bootstrap really wired: its Kafka broker's subscribers, each
    `EventConsumer.subscribe` call with its routes, and the document it serves."""

    brokers: list[KafkaBroker]
    subscribed: dict[str, list[str]]  # topic name or pattern -> event types routed there
    document: Document


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Wired]:
    brokers: list[KafkaBroker] = []
    subscribed: dict[str, list[str]] = {}
    subscribe = EventConsumer.subscribe

    def recording_broker(**options: Any) -> KafkaBroker:
        brokers.append(make_broker(**options))
        return brokers[-1]

    def recording_subscribe(
        consumer: EventConsumer,
        *,
        topic: str | re.Pattern[str],
        routes: Sequence[Route],
        **options: Any,
    ) -> None:
        name = topic.pattern if isinstance(topic, re.Pattern) else topic
        subscribed[name] = [item.event_type for item in routes]
        subscribe(consumer, topic=topic, routes=routes, **options)

    monkeypatch.setattr("peerlink_shared.runtime.make_broker", recording_broker)
    monkeypatch.setattr(EventConsumer, "subscribe", recording_subscribe)

    def wired(name: str) -> Wired:
        app = SERVICES[name](
            {
                "kafka_bootstrap": "broker.internal:9093",
                "kafka_username": name,
                "kafka_password": secrets.token_urlsafe(16),
                "token_secret": secrets.token_urlsafe(40),
                "key_encryption_keys": new_kek_setting(),
                "topic_prefix": PREFIX,
            }
        )
        # No `with`: the lifespan (which connects) does not run.
        document: Document = TestClient(app).get("/asyncapi.json").json()
        return Wired(brokers=brokers, subscribed=subscribed, document=document)

    return wired


def channels_of(document: Document, action: str) -> dict[str, list[str]]:
    """Each channel this service `send`s or `receive`s on, by address: its message names."""
    found = {}
    for operation in document["operations"].values():
        channel = document["channels"][operation["channel"]["$ref"].rsplit("/", 1)[-1]]
        if operation["action"] == action and list(channel["messages"]) != ["DeadLetter"]:
            messages = document["components"]["messages"]
            names = [
                messages[ref["$ref"].rsplit("/", 1)[-1]]["name"]
                for ref in channel["messages"].values()
            ]
            found[channel["address"]] = names
    return found


def subscribed_on(broker: KafkaBroker) -> set[str]:
    """The topic names and patterns the broker's subscribers will read."""
    found = set()
    for subscriber in broker.subscribers:
        assert isinstance(subscriber, LogicSubscriber)
        found.update(subscriber.topic_names)
    return found


def address_of(subscribed: str, topics: Topics) -> str:
    """A pattern subscription is documented as the clinics' address template."""
    return topics.clinic_inbound_address if subscribed.startswith("^") else subscribed


@pytest.mark.parametrize("name", SERVICES)
def test_every_subscription_is_documented_with_its_event_types_and_nothing_else(
    name: str, wire: Callable[[str], Wired]
) -> None:
    wired = wire(name)
    topics = Topics(PREFIX)
    (broker,) = wired.brokers
    on_broker = subscribed_on(broker)
    assert on_broker == set(wired.subscribed)
    documented = channels_of(wired.document, "receive")
    expected = {address_of(topic, topics): types for topic, types in wired.subscribed.items()}
    assert documented == expected
    addresses = {channel["address"] for channel in wired.document["channels"].values()}
    assert {f"{address}.dlq" for address in expected} <= addresses


@pytest.mark.parametrize("name", SERVICES)
def test_the_document_reads_what_the_acls_let_the_service_read(
    name: str, wire: Callable[[str], Wired]
) -> None:
    topics = Topics(PREFIX)
    received = set(channels_of(wire(name).document, "receive"))
    granted = {topics.name(base) for base in SUBSCRIPTIONS[name]}
    if name == "intake":
        granted.add(topics.clinic_inbound_address)
    assert received == granted


@pytest.mark.parametrize("name", SERVICES)
def test_the_document_sends_on_what_the_acls_let_the_service_write(
    name: str, wire: Callable[[str], Wired]
) -> None:
    sent = channels_of(wire(name).document, "send")
    assert set(sent) == set(published_topics(Topics(PREFIX), name))
    assert PersonErased.event_type() in sent[f"{PREFIX}person-erased"]


def test_a_subscription_made_past_the_table_is_caught(wire: Callable[[str], Wired]) -> None:
    """The check above would fail for a subscription the document does not derive from."""
    wired = wire("scheduling")
    consumer = wired.brokers[0]

    @consumer.subscriber(f"{PREFIX}policy-events", group_id="stray")
    async def stray(body: bytes) -> None: ...

    on_broker = subscribed_on(consumer)
    assert on_broker - set(channels_of(wired.document, "receive")) == {f"{PREFIX}policy-events"}


async def ignore(envelope: Envelope, payload: Any) -> None: ...


def test_a_route_for_an_event_type_its_topic_does_not_carry_is_refused() -> None:
    topics = Topics(PREFIX)
    stray = Subscription(
        topics.centre_events, [route(CentreRegistered, ignore), route(SessionFilled, ignore)]
    )
    with pytest.raises(ValueError, match="centre-events carries no SessionFilled"):
        received_channels([stray], topics=topics)


@pytest.mark.parametrize(
    "topic",
    [
        re.compile(r"^run-7-clinic-inbound\.(?P<sender>[a-z]+)\.dlq$"),
        re.compile(r"^other-clinic-inbound\.(?P<sender>(?!dlq(?:\.|$))[a-z0-9][a-z0-9-]*)$"),
    ],
)
def test_a_pattern_other_than_the_clinics_topics_has_no_channel(topic: re.Pattern[str]) -> None:
    subscription = Subscription(topic, [route(CentreRegistered, ignore)])
    with pytest.raises(ValueError, match="no channel is known for the pattern"):
        received_channels([subscription], topics=Topics(PREFIX))


@pytest.mark.parametrize(
    "topic", ["policy-events", "run-8-policy-events", "run-7-policy-events.dlq", "run-7-nothing"]
)
def test_a_topic_outside_the_catalogue_under_this_prefix_has_no_channel(topic: str) -> None:
    with pytest.raises(KeyError):
        received_channels(
            [Subscription(topic, [route(PolicyChanged, ignore)])], topics=Topics(PREFIX)
        )


def test_the_clinics_pattern_is_the_per_clinic_channel_with_its_parameter() -> None:
    topics = Topics(PREFIX)
    routes = [route(AdmissionRecorded, ignore)]
    (clinic,) = received_channels(
        [Subscription(topics.clinic_inbound_pattern, routes, strict=True)], topics=topics
    )
    assert clinic.address == f"{PREFIX}clinic-inbound.{{clinic}}"
    assert clinic.catalogue_name == CLINIC_INBOUND
    assert list(clinic.payloads) == [AdmissionRecorded]
    assert set(clinic.parameters) == {"clinic"}


def test_only_the_publisher_and_every_service_topics_are_sent() -> None:
    topics = Topics(PREFIX)
    sent = {channel.catalogue_name for channel in sent_channels("scheduling", topics=topics)}
    assert sent == {"session-events", "person-erased"}


def test_every_contract_travels_on_one_catalogue_topic() -> None:
    """A new event type is documented (and sent) only once the catalogue puts it on a topic."""
    carried = [payload for spec in CATALOGUE for payload in spec.payloads]
    assert sorted(carried, key=str) == sorted(PAYLOADS, key=str)
    assert set(CLINIC_INBOUND_SPEC.payloads) == set(PERSON_FACTS)
