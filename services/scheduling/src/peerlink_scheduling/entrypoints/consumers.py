"""Scheduling's Kafka subscriptions: eligibility changes, centres (their regions) and the
stays in person facts (for conflict of interest and graduates)."""

from __future__ import annotations

from peerlink_shared.consumer import EventConsumer, route
from peerlink_shared.contracts import (
    AdmissionRecorded,
    CentreRegistered,
    DischargeRecorded,
    EligibilityChanged,
    PersonErasureRequested,
    ProgrammeEnded,
)
from peerlink_shared.erasure import Erasure
from peerlink_shared.topics import Topics

from peerlink_scheduling.erasure import unless_erased
from peerlink_scheduling.handlers import SchedulingHandlers


def subscribe(
    consumer: EventConsumer,
    *,
    handlers: SchedulingHandlers,
    erasure: Erasure,
    topics: Topics,
    group_id: str,
) -> None:
    consumer.subscribe(
        topic=topics.eligibility_changes,
        group_id=group_id,
        routes=[
            route(
                EligibilityChanged, unless_erased(erasure.ledger, handlers.on_eligibility_changed)
            )
        ],
    )
    consumer.subscribe(
        topic=topics.centre_events,
        group_id=group_id,
        routes=[route(CentreRegistered, handlers.on_centre_registered)],
    )
    # Only the facts that make a stay; the clinical ones (relapses, check-ins…) are ignored
    # and never stored here.
    consumer.subscribe(
        topic=topics.person_events,
        group_id=group_id,
        routes=[
            route(AdmissionRecorded, handlers.on_admission),
            route(ProgrammeEnded, handlers.on_programme_ended),
            route(DischargeRecorded, handlers.on_discharge),
        ],
    )
    consumer.subscribe(
        topic=topics.person_erasure,
        group_id=group_id,
        routes=[route(PersonErasureRequested, erasure.on_erasure_requested)],
    )
