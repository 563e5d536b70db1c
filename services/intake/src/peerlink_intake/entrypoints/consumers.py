"""Intake's Kafka door: person facts from other clinic systems, untrusted, each clinic on a
topic of its own (`clinic-inbound.<clinic>`), all read through one pattern subscription; and
erasures: its own requests (intake forgets too) and every service's confirmations."""

from __future__ import annotations

from peerlink_shared.consumer import EventConsumer, route, sender_route
from peerlink_shared.contracts import PERSON_FACTS, PersonErased, PersonErasureRequested
from peerlink_shared.erasure import Erasure
from peerlink_shared.topics import Topics

from peerlink_intake.service_layer.clinic_facts import ClinicFacts
from peerlink_intake.service_layer.erasures import Erasures


def subscribe(
    consumer: EventConsumer,
    *,
    inbound: ClinicFacts,
    erasure: Erasure,
    erasures: Erasures,
    topics: Topics,
    group_id: str,
) -> None:
    consumer.subscribe(
        topic=topics.clinic_inbound_pattern,
        group_id=group_id,
        routes=[sender_route(model, inbound.on_clinic_fact) for model in PERSON_FACTS],
        strict=True,
    )
    consumer.subscribe(
        topic=topics.person_erasure,
        group_id=group_id,
        routes=[route(PersonErasureRequested, erasure.on_erasure_requested)],
    )
    consumer.subscribe(
        topic=topics.person_erased,
        group_id=group_id,
        routes=[route(PersonErased, erasures.on_person_erased)],
    )
