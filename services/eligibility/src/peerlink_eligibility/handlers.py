"""Eligibility's person-event handlers: store the fact, then re-decide the person."""

from __future__ import annotations

from peerlink_shared.contracts import (
    AdmissionRecorded,
    BackgroundCheckCleared,
    CravingCheckInRecorded,
    DischargeRecorded,
    LinkConsentRecorded,
    NetworkSharingChanged,
    PersonRegistered,
    ProgrammeEnded,
    ReferralAccepted,
    RelapseRecorded,
    SobrietyMilestoneRecorded,
    TrainingCompleted,
    VolunteeringChanged,
)
from peerlink_shared.lifecycle.erasure import skipped_for_erased_person
from peerlink_shared.messaging.envelope import Envelope
from peerlink_shared.storage.mongo import Document

from peerlink_eligibility.adapters.repository import EligibilityRepository
from peerlink_eligibility.preview_facts import PreviewFacts
from peerlink_eligibility.reevaluation import Cause, Reevaluator


class EligibilityHandlers:
    def __init__(
        self,
        *,
        repository: EligibilityRepository,
        reevaluator: Reevaluator,
        preview_facts: PreviewFacts | None = None,  # None: no what-if holds facts here
    ) -> None:
        self._repository = repository
        self._reevaluator = reevaluator
        self._preview_facts = preview_facts

    async def _store(self, envelope: Envelope, person_id: str, kind: str, fields: Document) -> None:
        snapshot = await self._repository.add_fact(
            event_id=envelope.id, person_id=person_id, kind=kind, fields=fields
        )
        if snapshot is None:
            skipped_for_erased_person(envelope, person_id=person_id)
            return
        if self._preview_facts is not None:
            self._preview_facts.record(snapshot)  # the next what-if sees this fact
        cause = Cause(envelope.id, envelope.correlationid)
        await self._reevaluator.person(person_id, cause=cause, snapshot=snapshot)

    async def on_admission(self, envelope: Envelope, fact: AdmissionRecorded) -> None:
        fields = {"centre_id": fact.centre_id, "admitted_on": fact.admitted_on.isoformat()}
        await self._store(envelope, fact.person_id, "admission", fields)

    async def on_programme_ended(self, envelope: Envelope, fact: ProgrammeEnded) -> None:
        # Only a completed programme qualifies; other outcomes are kept for the record.
        kind = "completion" if fact.outcome == "completed" else "programme_end"
        fields = {
            "centre_id": fact.centre_id,
            "ended_on": fact.ended_on.isoformat(),
            "outcome": fact.outcome,
        }
        await self._store(envelope, fact.person_id, kind, fields)

    async def on_discharge(self, envelope: Envelope, fact: DischargeRecorded) -> None:
        fields = {"centre_id": fact.centre_id, "discharged_on": fact.discharged_on.isoformat()}
        await self._store(envelope, fact.person_id, "discharge", fields)

    async def on_milestone(self, envelope: Envelope, fact: SobrietyMilestoneRecorded) -> None:
        await self._store(
            envelope, fact.person_id, "sobriety", {"sober_since": fact.sober_since.isoformat()}
        )

    async def on_relapse(self, envelope: Envelope, fact: RelapseRecorded) -> None:
        await self._store(
            envelope, fact.person_id, "relapse", {"relapsed_on": fact.relapsed_on.isoformat()}
        )

    async def on_check_in(self, envelope: Envelope, fact: CravingCheckInRecorded) -> None:
        fields = {"checked_on": fact.checked_on.isoformat(), "level": fact.level}
        await self._store(envelope, fact.person_id, "check_in", fields)

    async def on_volunteering(self, envelope: Envelope, fact: VolunteeringChanged) -> None:
        fields = {"volunteering": fact.volunteering, "changed_on": fact.changed_on.isoformat()}
        await self._store(envelope, fact.person_id, "consent", fields)

    async def on_training(self, envelope: Envelope, fact: TrainingCompleted) -> None:
        fields = {
            "completed_on": fact.completed_on.isoformat(),
            "expires_on": fact.expires_on.isoformat(),
        }
        await self._store(envelope, fact.person_id, "training", fields)

    async def on_background_check(self, envelope: Envelope, fact: BackgroundCheckCleared) -> None:
        fields = {
            "cleared_on": fact.cleared_on.isoformat(),
            "expires_on": fact.expires_on.isoformat(),
        }
        await self._store(envelope, fact.person_id, "background_check", fields)

    async def on_registered(self, envelope: Envelope, fact: PersonRegistered) -> None:
        await self._store(envelope, fact.person_id, "link", {"centre_id": fact.centre_id})

    async def on_referral_accepted(self, envelope: Envelope, fact: ReferralAccepted) -> None:
        await self._store(envelope, fact.person_id, "link", {"centre_id": fact.centre_id})

    async def on_link_consent(self, envelope: Envelope, fact: LinkConsentRecorded) -> None:
        await self._store(envelope, fact.person_id, "link", {"centre_id": fact.centre_id})

    async def on_network_sharing(self, envelope: Envelope, fact: NetworkSharingChanged) -> None:
        fields = {"sharing": fact.sharing, "changed_on": fact.changed_on.isoformat()}
        await self._store(envelope, fact.person_id, "sharing", fields)
