"""Request and response bodies of intake's HTTP API."""

from __future__ import annotations

import datetime as dt
from typing import Literal

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


# A regional network's clinic system serves a few centres; the bound keeps one request's
# checks (a read per centre not yet known) small.
MAX_CENTRES_PER_CLINIC = 200
ClinicCentre = OpaqueId


class ClinicIn(Body):
    centres: list[ClinicCentre] = Field(
        max_length=MAX_CENTRES_PER_CLINIC,
        description="Every centre the clinic system may act for (registered centres, once "
        "each); replaces the list. Empty: registered, acting for none.",
        examples=[["north-house", "bay"]],
    )


class ChangedByOut(BaseModel):
    subject: str
    role: str
    centre: str


class ClinicOut(BaseModel):
    clinic: str
    version: int = Field(description="Starts at 1; each change adds one.")
    centres: list[str]
    change: Literal["replaced", "granted", "revoked"]
    centre: str | None = Field(description="The centre granted or revoked by this version.")
    changed_by: ChangedByOut
    changed_at: dt.datetime
