"""Intake's Kafka door: person facts from other clinic systems, untrusted, each clinic on a
topic of its own (`clinic-inbound.<clinic>`), all read through one pattern subscription; and
erasures: its own requests (intake forgets too) and every service's confirmations."""

from __future__ import annotations

from peerlink_shared.contracts import PERSON_FACTS, PersonErased
from peerlink_shared.lifecycle.erasure import Erasure
from peerlink_shared.messaging.consumer import route, sender_route
from peerlink_shared.messaging.subscriptions import Subscription
from peerlink_shared.messaging.topics import Topics

from peerlink_intake.service_layer.clinic_facts import ClinicFacts
from peerlink_intake.service_layer.erasures import Erasures


def subscriptions(
    *, inbound: ClinicFacts, erasure: Erasure, erasures: Erasures, topics: Topics
) -> list[Subscription]:
    return [
        Subscription(
            topics.clinic_inbound_pattern,
            [sender_route(model, inbound.on_clinic_fact) for model in PERSON_FACTS],
            strict=True,
        ),
        erasure.subscription(),
        Subscription(topics.person_erased, [route(PersonErased, erasures.on_person_erased)]),
    ]
