"""Scheduling's Kafka subscriptions: eligibility changes, centres (their regions), the
stays in person facts (for conflict of interest and graduates), and erasures."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from peerlink_shared.clock import Clock
from peerlink_shared.consumer import EventConsumer, route
from peerlink_shared.contracts import (
    AdmissionRecorded,
    CentreRegistered,
    DischargeRecorded,
    EligibilityChanged,
    PersonErasureRequested,
    PersonFact,
    ProgrammeEnded,
)
from peerlink_shared.erasure import Erasure, Handler, P, undoing_for_erased_persons
from peerlink_shared.topics import Topics

from peerlink_scheduling.erasure import SchedulingErasure, unless_erased
from peerlink_scheduling.handlers import SchedulingHandlers


def subscribe(
    consumer: EventConsumer,
    *,
    handlers: SchedulingHandlers,
    erasure: Erasure,
    forgetting: SchedulingErasure,
    clock: Clock,
    topics: Topics,
    group_id: str,
) -> None:
    # Events about a person arrive on other topics than their erasure, so may be handled
    # while it runs: what they wrote about an erased person is erased again.
    def undoing(handler: Handler[P], persons: Callable[[P], Iterable[str]]) -> Handler[P]:
        return undoing_for_erased_persons(
            handler,
            ledger=erasure.ledger,
            persons=persons,
            erase_again=forgetting.erase_person,
            clock=clock,
        )

    on_change = undoing(unless_erased(erasure.ledger, handlers.on_eligibility_changed), person_of)
    consumer.subscribe(
        topic=topics.eligibility_changes,
        group_id=group_id,
        routes=[route(EligibilityChanged, on_change)],
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
            route(AdmissionRecorded, undoing(handlers.on_admission, person_of)),
            route(ProgrammeEnded, undoing(handlers.on_programme_ended, person_of)),
            route(DischargeRecorded, undoing(handlers.on_discharge, person_of)),
        ],
    )
    consumer.subscribe(
        topic=topics.person_erasure,
        group_id=group_id,
        routes=[route(PersonErasureRequested, erasure.on_erasure_requested)],
    )


def person_of(event: PersonFact | EligibilityChanged) -> list[str]:
    return [event.person_id]
