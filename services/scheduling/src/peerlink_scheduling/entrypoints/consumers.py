"""Scheduling's Kafka subscriptions: eligibility changes in."""

from __future__ import annotations

from peerlink_shared.consumer import EventConsumer, route
from peerlink_shared.contracts import EligibilityChanged
from peerlink_shared.topics import Topics

from peerlink_scheduling.handlers import SchedulingHandlers


def subscribe(
    consumer: EventConsumer, *, handlers: SchedulingHandlers, topics: Topics, group_id: str
) -> None:
    consumer.subscribe(
        topic=topics.eligibility_changes,
        group_id=group_id,
        routes=[route(EligibilityChanged, handlers.on_eligibility_changed)],
    )
