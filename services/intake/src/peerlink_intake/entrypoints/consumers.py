"""Intake's Kafka door: person facts from other clinic systems, untrusted."""

from __future__ import annotations

from peerlink_shared.consumer import EventConsumer, route
from peerlink_shared.contracts import PERSON_FACTS
from peerlink_shared.topics import Topics

from peerlink_intake.handlers import InboundHandlers


def subscribe(
    consumer: EventConsumer, *, inbound: InboundHandlers, topics: Topics, group_id: str
) -> None:
    consumer.subscribe(
        topic=topics.clinic_inbound,
        group_id=group_id,
        routes=[route(model, inbound.on_clinic_fact) for model in PERSON_FACTS],
        strict=True,
    )
