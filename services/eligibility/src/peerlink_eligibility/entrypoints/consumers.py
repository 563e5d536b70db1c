"""Eligibility's Kafka subscriptions: person events, and its own policy events (bulk jobs)."""

from __future__ import annotations

from peerlink_shared.contracts import (
    AdmissionRecorded,
    BackgroundCheckCleared,
    CravingCheckInRecorded,
    DischargeRecorded,
    LinkConsentRecorded,
    NetworkSharingChanged,
    PersonErasureRequested,
    PersonRegistered,
    PolicyChanged,
    ProgrammeEnded,
    ReferralAccepted,
    RelapseRecorded,
    SobrietyMilestoneRecorded,
    TrainingCompleted,
    VolunteeringChanged,
)
from peerlink_shared.lifecycle.erasure import Erasure
from peerlink_shared.messaging.consumer import EventConsumer, route
from peerlink_shared.messaging.topics import Topics

from peerlink_eligibility.handlers import EligibilityHandlers
from peerlink_eligibility.policy_changes import PolicyChanges


def subscribe(
    consumer: EventConsumer,
    *,
    handlers: EligibilityHandlers,
    policy_changes: PolicyChanges,
    erasure: Erasure,
    topics: Topics,
    group_id: str,
) -> None:
    consumer.subscribe(
        topic=topics.person_events,
        group_id=group_id,
        routes=[
            route(AdmissionRecorded, handlers.on_admission),
            route(ProgrammeEnded, handlers.on_programme_ended),
            route(DischargeRecorded, handlers.on_discharge),
            route(SobrietyMilestoneRecorded, handlers.on_milestone),
            route(RelapseRecorded, handlers.on_relapse),
            route(CravingCheckInRecorded, handlers.on_check_in),
            route(VolunteeringChanged, handlers.on_volunteering),
            route(TrainingCompleted, handlers.on_training),
            route(BackgroundCheckCleared, handlers.on_background_check),
            # Who the person's own centres are, and whether they share across the network.
            # (A referral not yet accepted changes neither, and is not read.)
            route(PersonRegistered, handlers.on_registered),
            route(ReferralAccepted, handlers.on_referral_accepted),
            route(LinkConsentRecorded, handlers.on_link_consent),
            route(NetworkSharingChanged, handlers.on_network_sharing),
        ],
    )
    # A bulk re-evaluation runs inside this handler: if the replica dies mid-job, Kafka
    # redelivers the policy event and the job runs again (it only writes what changed).
    consumer.subscribe(
        topic=topics.policy_events,
        group_id=group_id,
        routes=[route(PolicyChanged, policy_changes.on_policy_changed)],
        # Stays in the group while a long job runs (the default would be 5 minutes).
        max_poll_interval_ms=60 * 60 * 1000,
    )
    consumer.subscribe(
        topic=topics.person_erasure,
        group_id=group_id,
        routes=[route(PersonErasureRequested, erasure.on_erasure_requested)],
    )
