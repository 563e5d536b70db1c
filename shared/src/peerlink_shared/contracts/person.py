"""Person events, published by intake and keyed by person id so each person stays in order.

They carry pseudonymous ids and dates only: never a name, contact detail or narrative.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from peerlink_shared.contracts.base import Payload
from peerlink_shared.contracts.fields import CravingLevel, OpaqueId, RecordDate, SoberDays

ProgrammeOutcome = Literal["completed", "left_early", "transferred", "discharged_for_cause"]


class PersonFact(Payload):
    """A fact about one person; the person id is also the event's subject and Kafka key."""

    SEALED: ClassVar[bool] = True
    person_id: OpaqueId = Field(examples=["p-7f3a9c"])


class CentreFact(PersonFact):
    """A fact about a person's stay at one centre."""

    centre_id: OpaqueId = Field(examples=["north-house"])


class AdmissionRecorded(CentreFact):
    TYPE: ClassVar[str] = "peerlink.person.admission-recorded"

    admitted_on: RecordDate = Field(description="Day of admission, centre-local.")


class ProgrammeEnded(CentreFact):
    TYPE: ClassVar[str] = "peerlink.person.programme-ended"

    ended_on: RecordDate
    outcome: ProgrammeOutcome = Field(description="Only `completed` counts towards qualifying.")


class SobrietyMilestoneRecorded(PersonFact):
    TYPE: ClassVar[str] = "peerlink.person.sobriety-milestone-recorded"

    sober_since: RecordDate = Field(description="The sobriety date the milestone counts from.")
    days: SoberDays = Field(description="Days sober on `recorded_on`.")
    recorded_on: RecordDate


class RelapseRecorded(PersonFact):
    TYPE: ClassVar[str] = "peerlink.person.relapse-recorded"

    relapsed_on: RecordDate = Field(description="When it happened; may precede facts already sent.")


class VolunteeringChanged(PersonFact):
    TYPE: ClassVar[str] = "peerlink.person.volunteering-changed"

    volunteering: bool = Field(description="True: volunteered; false: withdrew consent.")
    changed_on: RecordDate


class DischargeRecorded(CentreFact):
    """The person left the centre's residential care (starts any cooling-off period)."""

    TYPE: ClassVar[str] = "peerlink.person.discharge-recorded"

    discharged_on: RecordDate


class CravingCheckInRecorded(PersonFact):
    """A self-reported craving level; only the number and the day travel, no notes."""

    TYPE: ClassVar[str] = "peerlink.person.craving-check-in-recorded"

    level: CravingLevel
    checked_on: RecordDate


class TrainingCompleted(PersonFact):
    TYPE: ClassVar[str] = "peerlink.person.training-completed"

    completed_on: RecordDate
    expires_on: RecordDate


class BackgroundCheckCleared(PersonFact):
    TYPE: ClassVar[str] = "peerlink.person.background-check-cleared"

    cleared_on: RecordDate
    expires_on: RecordDate
