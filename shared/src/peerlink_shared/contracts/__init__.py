"""Versioned payloads of every published event, and the registry from `type` to model.

These are the contract other clinics build against: change a payload only by adding a new
versioned type (`...v2`), never by editing a published one.
"""

from __future__ import annotations

from peerlink_shared.contracts.base import Payload
from peerlink_shared.contracts.centre import CentreRegistered
from peerlink_shared.contracts.eligibility import EligibilityChanged
from peerlink_shared.contracts.notification import MessageRecorded
from peerlink_shared.contracts.person import (
    AdmissionRecorded,
    ProgrammeEnded,
    RelapseRecorded,
    SobrietyMilestoneRecorded,
    VolunteeringChanged,
)
from peerlink_shared.contracts.session import SessionRequested, SupporterAssigned

PAYLOADS: tuple[type[Payload], ...] = (
    CentreRegistered,
    AdmissionRecorded,
    ProgrammeEnded,
    SobrietyMilestoneRecorded,
    RelapseRecorded,
    VolunteeringChanged,
    EligibilityChanged,
    SessionRequested,
    SupporterAssigned,
    MessageRecorded,
)

PAYLOAD_BY_TYPE: dict[str, type[Payload]] = {model.event_type(): model for model in PAYLOADS}

__all__ = [
    "PAYLOADS",
    "PAYLOAD_BY_TYPE",
    "AdmissionRecorded",
    "CentreRegistered",
    "EligibilityChanged",
    "MessageRecorded",
    "Payload",
    "ProgrammeEnded",
    "RelapseRecorded",
    "SessionRequested",
    "SobrietyMilestoneRecorded",
    "SupporterAssigned",
    "VolunteeringChanged",
]
