"""Keeping what matching weighs people on: the centres (their regions and timezones) and each
person's stays (admissions and leavings, for conflicts of interest and graduates)."""

from __future__ import annotations

from peerlink_shared.contracts import (
    AdmissionRecorded,
    CentreRegistered,
    DischargeRecorded,
    ProgrammeEnded,
)
from peerlink_shared.envelope import Envelope

from peerlink_scheduling.domain.stays import Admitted, Left
from peerlink_scheduling.service_layer.ports import Supporters


class StaysAndCentres:
    def __init__(self, *, supporters: Supporters) -> None:
        self._supporters = supporters

    async def on_centre_registered(self, envelope: Envelope, centre: CentreRegistered) -> None:
        await self._supporters.save_centre(centre)

    async def on_admission(self, envelope: Envelope, fact: AdmissionRecorded) -> None:
        await self._supporters.record_admission(
            fact.person_id, Admitted(fact.centre_id, fact.admitted_on)
        )

    async def on_programme_ended(self, envelope: Envelope, fact: ProgrammeEnded) -> None:
        left = Left(fact.centre_id, fact.ended_on, completed=fact.outcome == "completed")
        await self._supporters.record_leaving(fact.person_id, left)

    async def on_discharge(self, envelope: Envelope, fact: DischargeRecorded) -> None:
        await self._supporters.record_leaving(
            fact.person_id, Left(fact.centre_id, fact.discharged_on)
        )
