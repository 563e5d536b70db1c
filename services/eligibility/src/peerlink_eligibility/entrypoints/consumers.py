"""Eligibility's Kafka subscriptions: person events, and its own policy events (bulk jobs).
Each translates an event into a use case's call; what a fact type stores is fact_types'."""

from __future__ import annotations

from peerlink_shared.contracts import PolicyChanged
from peerlink_shared.contracts.base import Payload
from peerlink_shared.lifecycle.erasure import Erasure, skipped_for_erased_person
from peerlink_shared.messaging.consumer import Route, route
from peerlink_shared.messaging.envelope import Envelope
from peerlink_shared.messaging.subscriptions import Subscription
from peerlink_shared.messaging.topics import Topics

from peerlink_eligibility.domain.policy import Policy
from peerlink_eligibility.service_layer.announcements import Trigger
from peerlink_eligibility.service_layer.fact_recording import FactRecording
from peerlink_eligibility.service_layer.fact_types import FACT_TYPES, FactType
from peerlink_eligibility.service_layer.policy_changes import PolicyChanges


def fact_route(fact_type: FactType, recording: FactRecording) -> Route:
    async def on_fact(envelope: Envelope, payload: Payload) -> None:
        fact = fact_type.record(payload)
        if not await recording.record(fact, trigger=Trigger.of(envelope)):
            skipped_for_erased_person(envelope, person_id=fact.person_id)

    return route(fact_type.contract, on_fact)


def subscriptions(
    *,
    recording: FactRecording,
    policy_changes: PolicyChanges,
    erasure: Erasure,
    topics: Topics,
) -> list[Subscription]:
    async def on_policy_changed(envelope: Envelope, change: PolicyChanged) -> None:
        await policy_changes.reevaluate(Policy(**change.model_dump()), trigger=Trigger.of(envelope))

    return [
        Subscription(
            topics.person_events,
            [fact_route(fact_type, recording) for fact_type in FACT_TYPES],
        ),
        # A bulk re-evaluation runs inside this handler: if the replica dies mid-job, Kafka
        # redelivers the policy event and the job runs again (it only writes what changed).
        Subscription(
            topics.policy_events,
            [route(PolicyChanged, on_policy_changed)],
            # Stays in the group while a long job runs (the default would be 5 minutes).
            max_poll_interval_ms=60 * 60 * 1000,
        ),
        erasure.subscription(),
    ]
