"""Scheduling's Kafka subscriptions: eligibility changes, centres (their regions), the
stays in person facts (for conflict of interest and graduates), and erasures."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

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
from peerlink_shared.envelope import Envelope
from peerlink_shared.erasure import (
    Erasure,
    ErasureLedger,
    Handler,
    P,
    skipped_for_erased_person,
    undoing_for_erased_persons,
)
from peerlink_shared.topics import Topics

from peerlink_scheduling.service_layer.eligibility import EligibilityFollowing
from peerlink_scheduling.service_layer.forgetting import Forgetting
from peerlink_scheduling.service_layer.stays import StaysAndCentres


def subscribe(
    consumer: EventConsumer,
    *,
    eligibility: EligibilityFollowing,
    stays: StaysAndCentres,
    erasure: Erasure,
    forgetting: Forgetting,
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

    on_change = undoing(
        unless_erased(erasure.ledger, eligibility.on_eligibility_changed), person_of
    )
    consumer.subscribe(
        topic=topics.eligibility_changes,
        group_id=group_id,
        routes=[route(EligibilityChanged, on_change)],
    )
    consumer.subscribe(
        topic=topics.centre_events,
        group_id=group_id,
        routes=[route(CentreRegistered, stays.on_centre_registered)],
    )
    # Only the facts that make a stay; the clinical ones (relapses, check-ins…) are ignored
    # and never stored here.
    consumer.subscribe(
        topic=topics.person_events,
        group_id=group_id,
        routes=[
            route(AdmissionRecorded, undoing(stays.on_admission, person_of)),
            route(ProgrammeEnded, undoing(stays.on_programme_ended, person_of)),
            route(DischargeRecorded, undoing(stays.on_discharge, person_of)),
        ],
    )
    consumer.subscribe(
        topic=topics.person_erasure,
        group_id=group_id,
        routes=[route(PersonErasureRequested, erasure.on_erasure_requested)],
    )


def person_of(event: PersonFact | EligibilityChanged) -> list[str]:
    return [event.person_id]


def unless_erased(
    ledger: ErasureLedger,
    handler: Callable[[Envelope, EligibilityChanged], Awaitable[None]],
) -> Callable[[Envelope, EligibilityChanged], Awaitable[None]]:
    """A change that could make an erased person choosable again (one still on its way when
    the erasure arrived) is counted and dropped; one that only takes them off changes
    nothing that matters and is handled as usual."""

    async def guarded(envelope: Envelope, change: EligibilityChanged) -> None:
        if could_book(change) and await ledger.is_erased(change.person_id):
            skipped_for_erased_person(envelope, person_id=change.person_id)
            return
        await handler(envelope, change)

    return guarded


def could_book(change: EligibilityChanged) -> bool:
    return change.eligible or change.eligible_from is not None
