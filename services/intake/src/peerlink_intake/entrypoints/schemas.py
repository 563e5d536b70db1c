"""Request and response bodies of intake's HTTP API."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from peerlink_shared.contracts.base import OPAQUE_ID_PATTERN
from peerlink_shared.contracts.fields import (
    OpaqueId,
)
from peerlink_shared.contracts.person import ProgrammeOutcome
from peerlink_shared.web.inputs import IsoDate, StrictBool, TimeZoneName, WholeNumber
from pydantic import BaseModel, ConfigDict, Field


class Body(BaseModel):
    # Unknown fields are refused: a typo in a health record should not pass silently. Dates,
    # numbers and booleans are strict (peerlink_shared.web.inputs): "86400" is not a date.
    model_config = ConfigDict(extra="forbid")


class CentreIn(Body):
    centre_id: str = Field(pattern=OPAQUE_ID_PATTERN, examples=["north-house"])
    display_name: str = Field(min_length=1, max_length=120, examples=["North House"])
    region: str = Field(min_length=1, max_length=60, examples=["north"])
    timezone: TimeZoneName


class CentreOut(BaseModel):
    centre_id: str
    display_name: str
    region: str
    timezone: str


class PersonOut(BaseModel):
    person_id: str


class AdmissionIn(Body):
    admitted_on: IsoDate


class ProgrammeEndIn(Body):
    ended_on: IsoDate
    outcome: ProgrammeOutcome


class MilestoneIn(Body):
    sober_since: IsoDate
    days: WholeNumber = Field(ge=0, le=36500)
    recorded_on: IsoDate


class RelapseIn(Body):
    relapsed_on: IsoDate


class VolunteeringIn(Body):
    volunteering: StrictBool
    changed_on: IsoDate


class DischargeIn(Body):
    discharged_on: IsoDate


class CheckInIn(Body):
    level: WholeNumber = Field(ge=0, le=10, description="0 none … 10 overwhelming.")
    checked_on: IsoDate


class TrainingIn(Body):
    completed_on: IsoDate
    expires_on: IsoDate


class BackgroundCheckIn(Body):
    cleared_on: IsoDate
    expires_on: IsoDate


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
