"""A service's AsyncAPI channels, derived from the tables that run it: what it receives from
its subscription table (the one its consumer is subscribed from), what it sends from the
topic catalogue (the topics it publishes, and the event types on each). A new subscription
or a new event type on a topic is documented with no second edit."""

from __future__ import annotations

import re
from collections.abc import Iterable

from peerlink_shared.messaging.asyncapi import Channel
from peerlink_shared.messaging.subscriptions import Subscription
from peerlink_shared.messaging.topics import (
    CATALOGUE,
    CLINIC_INBOUND,
    CLINIC_INBOUND_SPEC,
    EVERY_SERVICE,
    Topics,
)

CLINIC_PARAMETER = (
    "The clinic system's id, given when it is added. Only that clinic's Kafka principal may "
    "write its topic: intake knows the sender from the topic, and records facts only about "
    "persons at the centres the clinic may act for (else `sender_not_allowed`)."
)


def received_channels(subscriptions: Iterable[Subscription], *, topics: Topics) -> list[Channel]:
    return [_received(subscription, topics=topics) for subscription in subscriptions]


def sent_channels(service: str, *, topics: Topics) -> list[Channel]:
    """The catalogue's topics this service publishes (its own, and those every service does)."""
    return [
        Channel(topics.name(spec.name), spec.payloads, spec.name)
        for spec in CATALOGUE
        if spec.publisher in {service, EVERY_SERVICE}
    ]


def _received(subscription: Subscription, *, topics: Topics) -> Channel:
    payloads = subscription.payloads
    topic = subscription.topic
    if isinstance(topic, re.Pattern):
        if topic != topics.clinic_inbound_pattern:
            raise ValueError(f"no channel is known for the pattern {topic.pattern!r}")
        name, address, parameters = (
            CLINIC_INBOUND,
            topics.clinic_inbound_address,
            {"clinic": CLINIC_PARAMETER},
        )
        carried = CLINIC_INBOUND_SPEC.payloads
    else:
        name, address, parameters = topics.catalogue_name(topic), topic, {}
        carried = next(spec.payloads for spec in CATALOGUE if spec.name == name)
    # A route for a type no one publishes there would document a message that never comes.
    stray = [payload.__name__ for payload in payloads if payload not in carried]
    if stray:
        raise ValueError(f"{name} carries no {', '.join(stray)}: see the topic catalogue")
    return Channel(address, payloads, name, parameters)
