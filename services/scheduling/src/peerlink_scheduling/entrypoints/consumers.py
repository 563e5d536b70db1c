"""Scheduling's Kafka subscriptions: eligibility changes, centres (their regions), the
stays in person facts (for conflict of interest and graduates), and erasures."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from peerlink_shared.contracts import (
    AdmissionRecorded,
    CentreRegistered,
    DischargeRecorded,
    EligibilityChanged,
    PersonFact,
    ProgrammeEnded,
)
from peerlink_shared.lifecycle.erasure import Erasure, ErasureLedger, skipped_for_erased_person
from peerlink_shared.messaging.consumer import route
from peerlink_shared.messaging.envelope import Envelope
from peerlink_shared.messaging.subscriptions import Subscription
from peerlink_shared.messaging.topics import Topics

from peerlink_scheduling.service_layer.eligibility import EligibilityFollowing
from peerlink_scheduling.service_layer.stays import StaysAndCentres


def subscriptions(
    *,
    eligibility: EligibilityFollowing,
    stays: StaysAndCentres,
    erasure: Erasure,
    topics: Topics,
) -> list[Subscription]:
    # Events about a person arrive on other topics than their erasure, so may be handled
    # while it runs: what they wrote about an erased person is erased again.
    undoing = erasure.undoing
    on_change = undoing(
        unless_erased(erasure.ledger, eligibility.on_eligibility_changed), person_of
    )
    return [
        Subscription(topics.eligibility_changes, [route(EligibilityChanged, on_change)]),
        Subscription(topics.centre_events, [route(CentreRegistered, stays.on_centre_registered)]),
        # Only the facts that make a stay; the clinical ones (relapses, check-ins…) are
        # ignored and never stored here.
        Subscription(
            topics.person_events,
            [
                route(AdmissionRecorded, undoing(stays.on_admission, person_of)),
                route(ProgrammeEnded, undoing(stays.on_programme_ended, person_of)),
                route(DischargeRecorded, undoing(stays.on_discharge, person_of)),
            ],
        ),
        erasure.subscription(),
    ]


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
