"""Intake's use cases: record a fact once, and publish it through the outbox."""

from __future__ import annotations

from dataclasses import dataclass

from peerlink_shared.audit import AuditEntry, event_entry
from peerlink_shared.audit_log import AuditRecorder
from peerlink_shared.clock import Clock
from peerlink_shared.contracts import (
    AdmissionRecorded,
    CentreFact,
    CentreRegistered,
    PersonFact,
    PersonRegistered,
)
from peerlink_shared.dead_letters import ReasonCode, Refused
from peerlink_shared.envelope import Envelope, derived_event_id, make_envelope
from peerlink_shared.erasure import skipped_for_erased_person
from peerlink_shared.outbox import Outbox
from peerlink_shared.topics import Topics

from peerlink_intake.adapters.clinics import ClinicRepository
from peerlink_intake.adapters.repository import IntakeRepository
from peerlink_intake.domain.checks import latest_local_date
from peerlink_intake.domain.clinics import sender_refusal
from peerlink_intake.domain.erasure import Erased
from peerlink_intake.domain.links import Link, LinkRefusal, Referral
from peerlink_intake.linking import link_refusal, named_centre, new_link
from peerlink_intake.validation import fact_problems

SOURCE = "/peerlink/intake"
# The audit entry's outcome for a clinic's fact about an erased person.
PERSON_ERASED = "person_erased"


class EventIdReused(Exception):
    """The idempotency key (or event id) was already used for a different fact."""


class UnknownPerson(Exception):
    """No person has this id: register them with intake first."""


class LinkRefused(Exception):
    """The centre recording the fact may not: it is not linked to the person (or the link
    the fact would make is not allowed)."""

    def __init__(self, refusal: LinkRefusal) -> None:
        super().__init__(refusal.kind.value)
        self.refusal = refusal


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

    async def register_person(
        self, *, person_id: str, centre_id: str, recorded_by: str | None, correlation_id: str
    ) -> bool:
        """Registers a new person at their home centre, which is linked to them from now on.
        False when the id is taken (the caller draws another)."""
        fact = PersonRegistered(
            person_id=person_id, centre_id=centre_id, registered_on=self._clock.today()
        )
        # Under an id fixed by the person id: a clash with an earlier registration finds
        # that one's fact, and publishes nothing.
        event_id = derived_event_id("registered", person_id)
        try:
            if await self._record_once(fact, event_id=event_id) is None:
                await self._record(fact, event_id=event_id, correlation_id=correlation_id)
        except EventIdReused:
            return False
        home = Link(centre_id, "home", fact.registered_on, recorded_by=recorded_by)
        return await self._repository.add_person(
            person_id=person_id, home=home, at=self._clock.now()
        )

    async def record_person_fact(
        self,
        fact: PersonFact,
        *,
        event_id: str,
        correlation_id: str,
        at_centre: str | None,
        recorded_by: str | None,
    ) -> Recorded:
        """Records a fact under its event id if the centre it is recorded through is linked
        to the person (`at_centre`; None when the door cannot name it); the same id again
        records and publishes nothing."""
        recorded = await self._record_once(fact, event_id=event_id)
        if recorded is None:
            await self._require_link(fact, at_centre=at_centre)
            recorded = await self._record(fact, event_id=event_id, correlation_id=correlation_id)
        # After the fact, and again on a retry: a crash between the two loses no link.
        match new_link(fact, recorded_by=recorded_by):
            case Link() as link:
                await self._repository.add_link(fact.person_id, link, at=self._clock.now())
            case Referral() as referral:
                await self._repository.add_referral(fact.person_id, referral, at=self._clock.now())
        return recorded

    async def _require_link(self, fact: PersonFact, *, at_centre: str | None) -> None:
        if at_centre is None and named_centre(fact) is None:
            # Nothing to hold the fact to (the clinic door, a fact naming no centre): the
            # person need only exist, which is known without reading their links.
            if not await self._repository.person_exists(fact.person_id):
                raise UnknownPerson(fact.person_id)
            return
        links = await self._repository.links_of(fact.person_id)
        if links is None:
            raise UnknownPerson(fact.person_id)
        if (refusal := link_refusal(fact, at_centre=at_centre, links=links)) is not None:
            raise LinkRefused(refusal)

    async def _record_once(self, fact: PersonFact, *, event_id: str) -> Recorded | None:
        """The fact as recorded before under this event id; None if the id is new."""
        existing = await self._repository.recorded_fact(event_id)
        if existing is None:
            return None
        if existing != (fact.event_type(), fact.model_dump(mode="json")):
            raise EventIdReused(event_id)
        return Recorded(event_id=event_id, event_type=fact.event_type(), duplicate=True)

    async def _record(self, fact: PersonFact, *, event_id: str, correlation_id: str) -> Recorded:
        data = fact.model_dump(mode="json")
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
    """Facts from other clinic systems over Kafka: the same checks as the HTTP door, the
    sender (the clinic whose topic it came on) must act for the person's centres, and an audit
    entry for each, accepted or refused."""

    def __init__(
        self,
        *,
        handlers: IntakeHandlers,
        repository: IntakeRepository,
        clinics: ClinicRepository,
        clock: Clock,
        audit: AuditRecorder,
    ) -> None:
        self._handlers = handlers
        self._repository = repository
        self._clinics = clinics
        self._clock = clock
        self._audit = audit

    async def on_clinic_fact(self, envelope: Envelope, fact: PersonFact, clinic: str) -> None:
        # A failed audit write raises: the consumer retries the event, which records the fact
        # once (its event id is fixed) and the entry again, so no accepted fact goes unaudited.
        try:
            await self._accept(envelope, fact, clinic)
        except Refused as refused:
            await self._audit.record(self._entry(envelope, fact, refused.refusal.code.value))
            raise
        except Erased:
            # Skipped, not dead-lettered: a dead letter would keep a new health fact about a
            # person who asked to be forgotten on a topic for weeks. Audited and counted.
            await self._audit.record(self._entry(envelope, fact, PERSON_ERASED))
            skipped_for_erased_person(envelope, person_id=fact.person_id)
            return
        await self._audit.record(self._entry(envelope, fact, None))

    def _entry(self, envelope: Envelope, fact: PersonFact, refusal: str | None) -> AuditEntry:
        return event_entry(
            service="intake",
            at=self._clock.now(),
            event_type=envelope.type,
            event_id=envelope.id,
            source=envelope.source,
            person_id=fact.person_id,
            centre_id=fact.centre_id if isinstance(fact, CentreFact) else None,
            refusal=refusal,
        )

    async def _accept(self, envelope: Envelope, fact: PersonFact, clinic: str) -> None:
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
                # A fact about a stay is held to its centre; this door names no other.
                at_centre=None,
                recorded_by=None,
            )
        except EventIdReused as reused:
            raise Refused(
                ReasonCode.EVENT_ID_REUSED, "this source already sent another fact with this id"
            ) from reused
        except UnknownPerson as unknown:
            raise Refused(ReasonCode.UNKNOWN_PERSON, "no such person") from unknown
        except LinkRefused as refused:
            raise Refused(ReasonCode.NOT_LINKED, refused.refusal.message) from refused

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
