"""Request and response bodies of intake's HTTP API."""

from __future__ import annotations

from peerlink_shared.contracts.fields import (
    CravingLevel,
    DisplayName,
    OpaqueId,
    RecordDate,
    RegionName,
    SoberDays,
    TimeZoneName,
)
from peerlink_shared.contracts.person import ProgrammeOutcome
from pydantic import BaseModel, ConfigDict, Field


class Body(BaseModel):
    # Unknown fields are refused: a typo in a health record should not pass silently.
    model_config = ConfigDict(extra="forbid")


class CentreIn(Body):
    centre_id: OpaqueId = Field(examples=["north-house"])
    display_name: DisplayName = Field(examples=["North House"])
    region: RegionName = Field(examples=["north"])
    timezone: TimeZoneName = Field(description="An IANA time zone name.")


class PersonOut(BaseModel):
    person_id: str


class AdmissionIn(Body):
    admitted_on: RecordDate


class ProgrammeEndIn(Body):
    ended_on: RecordDate
    outcome: ProgrammeOutcome


class MilestoneIn(Body):
    sober_since: RecordDate
    days: SoberDays
    recorded_on: RecordDate


class RelapseIn(Body):
    relapsed_on: RecordDate


class VolunteeringIn(Body):
    volunteering: bool
    changed_on: RecordDate


class DischargeIn(Body):
    discharged_on: RecordDate


class CheckInIn(Body):
    level: CravingLevel
    checked_on: RecordDate


class TrainingIn(Body):
    completed_on: RecordDate
    expires_on: RecordDate


class BackgroundCheckIn(Body):
    cleared_on: RecordDate
    expires_on: RecordDate


class RecordedOut(BaseModel):
    event_id: str
    event_type: str
    duplicate: bool = Field(description="True when this idempotency key was already recorded.")
