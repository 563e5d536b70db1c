"""Versioned payloads of every published event, and the registry from `type` to model.

These are the contract other clinics build against: change a payload only by adding a new
versioned type (`...v2`), never by editing a published one.
"""

from __future__ import annotations

from peerlink_shared.contracts.base import Payload
from peerlink_shared.contracts.centre import CentreRegistered
from peerlink_shared.contracts.eligibility import EligibilityChanged
from peerlink_shared.contracts.erasure import PersonErased, PersonErasureRequested
from peerlink_shared.contracts.links import (
    LinkConsentRecorded,
    LinkConsentWithdrawn,
    NetworkSharingChanged,
    PersonRegistered,
    ReferralAccepted,
    ReferralMade,
)
from peerlink_shared.contracts.notification import (
    MessageDelivered,
    MessageDeliveryFailed,
    MessageRecorded,
)
from peerlink_shared.contracts.person import (
    AdmissionRecorded,
    BackgroundCheckCleared,
    CentreFact,
    CravingCheckInRecorded,
    DischargeRecorded,
    PersonFact,
    ProgrammeEnded,
    RelapseRecorded,
    SobrietyMilestoneRecorded,
    TrainingCompleted,
    VolunteeringChanged,
)
from peerlink_shared.contracts.policy import PolicyChanged
from peerlink_shared.contracts.session import (
    MeetingRequested,
    SessionCancelled,
    SessionFilled,
    SessionRequested,
    SessionUnfilled,
    SupporterAssigned,
    SupporterUnassigned,
)

PAYLOADS: tuple[type[Payload], ...] = (
    CentreRegistered,
    AdmissionRecorded,
    ProgrammeEnded,
    SobrietyMilestoneRecorded,
    RelapseRecorded,
    VolunteeringChanged,
    DischargeRecorded,
    CravingCheckInRecorded,
    TrainingCompleted,
    BackgroundCheckCleared,
    PersonRegistered,
    ReferralMade,
    ReferralAccepted,
    LinkConsentRecorded,
    LinkConsentWithdrawn,
    NetworkSharingChanged,
    PolicyChanged,
    EligibilityChanged,
    SessionRequested,
    MeetingRequested,
    SupporterAssigned,
    SupporterUnassigned,
    SessionFilled,
    SessionUnfilled,
    SessionCancelled,
    MessageRecorded,
    MessageDelivered,
    MessageDeliveryFailed,
    PersonErasureRequested,
    PersonErased,
)

# Every fact intake records about a person, whichever door it came through.
PERSON_FACTS: tuple[type[PersonFact], ...] = (
    AdmissionRecorded,
    ProgrammeEnded,
    DischargeRecorded,
    SobrietyMilestoneRecorded,
    RelapseRecorded,
    CravingCheckInRecorded,
    VolunteeringChanged,
    TrainingCompleted,
    BackgroundCheckCleared,
)

# How a person is linked to centres, and what they share: recorded only at intake's HTTP
# door (a clinic system cannot yet be held to the centres it speaks for), published on
# person-events beside the facts above.
LINK_FACTS: tuple[type[PersonFact], ...] = (
    PersonRegistered,
    ReferralMade,
    ReferralAccepted,
    LinkConsentRecorded,
    LinkConsentWithdrawn,
    NetworkSharingChanged,
)

PAYLOAD_BY_TYPE: dict[str, type[Payload]] = {model.event_type(): model for model in PAYLOADS}

__all__ = [
    "LINK_FACTS",
    "PAYLOADS",
    "PAYLOAD_BY_TYPE",
    "PERSON_FACTS",
    "AdmissionRecorded",
    "BackgroundCheckCleared",
    "CentreFact",
    "CentreRegistered",
    "CravingCheckInRecorded",
    "DischargeRecorded",
    "EligibilityChanged",
    "LinkConsentRecorded",
    "LinkConsentWithdrawn",
    "MeetingRequested",
    "MessageDelivered",
    "MessageDeliveryFailed",
    "MessageRecorded",
    "NetworkSharingChanged",
    "Payload",
    "PersonErased",
    "PersonErasureRequested",
    "PersonFact",
    "PersonRegistered",
    "PolicyChanged",
    "ProgrammeEnded",
    "ReferralAccepted",
    "ReferralMade",
    "RelapseRecorded",
    "SessionCancelled",
    "SessionFilled",
    "SessionRequested",
    "SessionUnfilled",
    "SobrietyMilestoneRecorded",
    "SupporterAssigned",
    "SupporterUnassigned",
    "TrainingCompleted",
    "VolunteeringChanged",
]
