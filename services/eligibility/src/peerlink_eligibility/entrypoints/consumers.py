"""Eligibility's Kafka subscriptions: person events in, through the shared consumer."""

from __future__ import annotations

from peerlink_shared.consumer import EventConsumer, route
from peerlink_shared.contracts import (
    AdmissionRecorded,
    ProgrammeEnded,
    RelapseRecorded,
    SobrietyMilestoneRecorded,
    VolunteeringChanged,
)
from peerlink_shared.topics import Topics

from peerlink_eligibility.handlers import EligibilityHandlers


def subscribe(
    consumer: EventConsumer, *, handlers: EligibilityHandlers, topics: Topics, group_id: str
) -> None:
    consumer.subscribe(
        topic=topics.person_events,
        group_id=group_id,
        routes=[
            route(AdmissionRecorded, handlers.on_admission),
            route(ProgrammeEnded, handlers.on_programme_ended),
            route(SobrietyMilestoneRecorded, handlers.on_milestone),
            route(RelapseRecorded, handlers.on_relapse),
            route(VolunteeringChanged, handlers.on_volunteering),
        ],
    )
