"""Intake's use cases: record a fact once, and publish it through the outbox."""

from __future__ import annotations

from dataclasses import dataclass

from peerlink_shared.clock import Clock
from peerlink_shared.contracts import AdmissionRecorded, CentreFact, CentreRegistered, PersonFact
from peerlink_shared.dead_letters import ReasonCode, Refused
from peerlink_shared.envelope import Envelope, derived_event_id, make_envelope
from peerlink_shared.outbox import Outbox
from peerlink_shared.topics import Topics

from peerlink_intake.adapters.clinics import ClinicRepository
from peerlink_intake.adapters.repository import IntakeRepository
from peerlink_intake.domain.checks import latest_local_date
from peerlink_intake.domain.clinics import sender_refusal
from peerlink_intake.validation import fact_problems

SOURCE = "/peerlink/intake"


class EventIdReused(Exception):
    """The idempotency key (or event id) was already used for a different fact."""


@dataclass(frozen=True)
class Recorded:
    event_id: str
    event_type: str
    duplicate: bool


class IntakeHandlers:
    def __init__(
        self, *, repository: IntakeRepository, outbox: Outbox, topics: Topics, clock: Clock
    ) -> None:
        self._repository = repository
        self._outbox = outbox
        self._topics = topics
        self._clock = clock

    async def register_centre(
        self, centre: CentreRegistered, *, event_id: str, correlation_id: str
    ) -> None:
        envelope = make_envelope(
            event_id=event_id,
            source=SOURCE,
            event_type=centre.event_type(),
            subject=centre.centre_id,
            time=self._clock.now(),
            data=centre.model_dump(mode="json"),
            correlation_id=correlation_id,
        )
        await self._outbox.add(envelope=envelope, topic=self._topics.centre_events)
        await self._repository.save_centre(centre)

    async def record_person_fact(
        self, fact: PersonFact, *, event_id: str, correlation_id: str
    ) -> Recorded:
        """Records a fact under its event id; the same id again records and publishes nothing."""
        data = fact.model_dump(mode="json")
        existing = await self._repository.recorded_fact(event_id)
        if existing is not None:
            if existing != (fact.event_type(), data):
                raise EventIdReused(event_id)
            return Recorded(event_id=event_id, event_type=fact.event_type(), duplicate=True)
        now = self._clock.now()
        envelope = make_envelope(
            event_id=event_id,
            source=SOURCE,
            event_type=fact.event_type(),
            subject=fact.person_id,
            time=now,
            data=data,
            correlation_id=correlation_id,
        )
        # Outbox first: if we crash before the fact is saved, a retry writes both again.
        await self._outbox.add(envelope=envelope, topic=self._topics.person_events)
        await self._repository.record_fact(
            event_id=event_id,
            person_id=fact.person_id,
            event_type=fact.event_type(),
            data=data,
            at=now,
        )
        return Recorded(event_id=event_id, event_type=fact.event_type(), duplicate=False)


class InboundHandlers:
    """Facts from other clinic systems over Kafka: the same checks as the HTTP door, and the
    sender (the clinic whose topic it came on) must act for the person's centres."""

    def __init__(
        self,
        *,
        handlers: IntakeHandlers,
        repository: IntakeRepository,
        clinics: ClinicRepository,
        clock: Clock,
    ) -> None:
        self._handlers = handlers
        self._repository = repository
        self._clinics = clinics
        self._clock = clock

    async def on_clinic_fact(self, envelope: Envelope, fact: PersonFact, clinic: str) -> None:
        if envelope.subject != fact.person_id:
            raise Refused(ReasonCode.SUBJECT_MISMATCH, "subject differs from data.person_id")
        if problems := fact_problems(fact, today=latest_local_date(self._clock.now())):
            detail = "; ".join(f"data.{p.field}: {p.message}" for p in problems)
            raise Refused(ReasonCode.INCOHERENT_FACT, detail)
        if not await self._repository.person_exists(fact.person_id):
            raise Refused(ReasonCode.UNKNOWN_PERSON, "register the person with intake first")
        known = self._repository.centre_exists
        if isinstance(fact, CentreFact) and not await known(fact.centre_id):
            raise Refused(ReasonCode.UNKNOWN_CENTRE, "data.centre_id is not a registered centre")
        await self._require_sender_may_act(clinic, fact)
        # Clinic systems choose their own ids; namespaced by the sender and the source the
        # event names, so neither two clinics nor two sources of one clinic can collide.
        try:
            await self._handlers.record_person_fact(
                fact,
                event_id=derived_event_id("inbound", clinic, envelope.source, envelope.id),
                correlation_id=envelope.correlationid,
            )
        except EventIdReused as reused:
            raise Refused(
                ReasonCode.EVENT_ID_REUSED, "this source already sent another fact with this id"
            ) from reused
        if isinstance(fact, AdmissionRecorded):
            await self._repository.link_centre(fact.person_id, fact.centre_id)

    async def _require_sender_may_act(self, clinic: str, fact: PersonFact) -> None:
        """Checked against the grants current now, so a revocation holds from the next event."""
        grants = await self._clinics.current(clinic)
        if grants is None:
            raise Refused(ReasonCode.SENDER_NOT_ALLOWED, "the clinic is not registered with intake")
        admits = isinstance(fact, AdmissionRecorded)
        # An admission needs no more than its centre; every other fact, where the person is.
        person_centres = None if admits else await self._repository.centres_of(fact.person_id)
        refusal = sender_refusal(
            grants.centres,
            fact_centre=fact.centre_id if isinstance(fact, CentreFact) else None,
            admits=admits,
            person_centres=frozenset(person_centres or ()),
        )
        if refusal is not None:
            raise Refused(ReasonCode.SENDER_NOT_ALLOWED, refusal)
