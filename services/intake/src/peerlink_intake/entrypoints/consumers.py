"""Intake's Kafka door: person facts from other clinic systems, untrusted, each clinic on a
topic of its own (`clinic-inbound.<clinic>`), all read through one pattern subscription."""

from __future__ import annotations

from peerlink_shared.consumer import EventConsumer, sender_route
from peerlink_shared.contracts import PERSON_FACTS
from peerlink_shared.topics import Topics

from peerlink_intake.handlers import InboundHandlers


def subscribe(
    consumer: EventConsumer, *, inbound: InboundHandlers, topics: Topics, group_id: str
) -> None:
    consumer.subscribe(
        topic=topics.clinic_inbound_pattern,
        group_id=group_id,
        routes=[sender_route(model, inbound.on_clinic_fact) for model in PERSON_FACTS],
        strict=True,
    )
