"""Person events, published by intake and keyed by person id so each person stays in order.

They carry pseudonymous ids and dates only: never a name, contact detail or narrative.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Literal

from pydantic import Field

from peerlink_shared.contracts.base import OPAQUE_ID_PATTERN, Payload

ProgrammeOutcome = Literal["completed", "left_early", "transferred", "discharged_for_cause"]


class AdmissionRecorded(Payload):
    TYPE: ClassVar[str] = "peerlink.person.admission-recorded"

    person_id: str = Field(pattern=OPAQUE_ID_PATTERN, examples=["p-7f3a9c"])
    centre_id: str = Field(pattern=OPAQUE_ID_PATTERN, examples=["north-house"])
    admitted_on: dt.date = Field(description="Day of admission, centre-local.")


class ProgrammeEnded(Payload):
    TYPE: ClassVar[str] = "peerlink.person.programme-ended"

    person_id: str = Field(pattern=OPAQUE_ID_PATTERN, examples=["p-7f3a9c"])
    centre_id: str = Field(pattern=OPAQUE_ID_PATTERN, examples=["north-house"])
    ended_on: dt.date
    outcome: ProgrammeOutcome = Field(description="Only `completed` counts towards qualifying.")


class SobrietyMilestoneRecorded(Payload):
    TYPE: ClassVar[str] = "peerlink.person.sobriety-milestone-recorded"

    person_id: str = Field(pattern=OPAQUE_ID_PATTERN, examples=["p-7f3a9c"])
    sober_since: dt.date = Field(description="The sobriety date the milestone counts from.")
    days: int = Field(ge=0, le=36500, description="Days sober on `recorded_on`.")
    recorded_on: dt.date


class RelapseRecorded(Payload):
    TYPE: ClassVar[str] = "peerlink.person.relapse-recorded"

    person_id: str = Field(pattern=OPAQUE_ID_PATTERN, examples=["p-7f3a9c"])
    relapsed_on: dt.date = Field(description="When it happened; may precede facts already sent.")


class VolunteeringChanged(Payload):
    TYPE: ClassVar[str] = "peerlink.person.volunteering-changed"

    person_id: str = Field(pattern=OPAQUE_ID_PATTERN, examples=["p-7f3a9c"])
    volunteering: bool = Field(description="True: volunteered; false: withdrew consent.")
    changed_on: dt.date
