"""Facts from other clinic systems over Kafka: the recording pipeline, with the sender (the
clinic whose topic it came on) held to the centres it may act for, and an audit entry for
each fact, accepted or refused."""

from __future__ import annotations

from peerlink_shared.auditing.audit import AuditEntry, event_entry
from peerlink_shared.auditing.audit_log import AuditRecorder
from peerlink_shared.clock import Clock
from peerlink_shared.contracts import CentreFact, PersonFact
from peerlink_shared.lifecycle.erasure import skipped_for_erased_person
from peerlink_shared.messaging.dead_letters import ReasonCode, Refused
from peerlink_shared.messaging.envelope import Envelope, derived_event_id
from peerlink_shared.messaging.publishing import Cause

from peerlink_intake.domain.erasure import Erased
from peerlink_intake.service_layer.errors import (
    EventIdReused,
    FactIncoherent,
    LinkRefused,
    NotRecorded,
    SenderNotAllowed,
    UnknownCentre,
    UnknownPerson,
)
from peerlink_intake.service_layer.recording import FactRecording, RecordFact

# The audit entry's outcome for a clinic's fact about an erased person.
PERSON_ERASED = "person_erased"


class ClinicFacts:
    def __init__(self, *, recording: FactRecording, clock: Clock, audit: AuditRecorder) -> None:
        self._recording = recording
        self._clock = clock
        self._audit = audit

    async def on_clinic_fact(self, envelope: Envelope, fact: PersonFact, clinic: str) -> None:
        # A failed audit write raises: the consumer retries the event, which records the fact
        # once (its event id is fixed) and the entry again, so no accepted fact goes unaudited.
        try:
            await self._accept(envelope, fact, clinic)
        except Refused as refused:
            await self._audit.record(
                self._entry(envelope, fact, clinic, refused.refusal.code.value)
            )
            raise
        except Erased:
            # Skipped, not dead-lettered: a dead letter would keep a new health fact about a
            # person who asked to be forgotten on a topic for weeks. Audited and counted.
            await self._audit.record(self._entry(envelope, fact, clinic, PERSON_ERASED))
            skipped_for_erased_person(envelope, person_id=fact.person_id)
            return
        await self._audit.record(self._entry(envelope, fact, clinic, None))

    async def _accept(self, envelope: Envelope, fact: PersonFact, clinic: str) -> None:
        if envelope.subject != fact.person_id:
            raise Refused(ReasonCode.SUBJECT_MISMATCH, "subject differs from data.person_id")
        command = RecordFact(
            fact,
            # Clinic systems choose their own ids; namespaced by the sender and the source the
            # event names, so neither two clinics nor two sources of one clinic can collide.
            event_id=derived_event_id("inbound", clinic, envelope.source, envelope.id),
            cause=Cause(correlation_id=envelope.correlationid),
            # A fact about a stay is held to its centre; this door names no other.
            at_centre=None,
            sender=clinic,
        )
        try:
            await self._recording.record(command)
        except NotRecorded as error:
            raise Refused(*dead_letter_reason(error)) from error

    def _entry(
        self, envelope: Envelope, fact: PersonFact, clinic: str, refusal: str | None
    ) -> AuditEntry:
        return event_entry(
            service="intake",
            at=self._clock.now(),
            event_type=envelope.type,
            event_id=envelope.id,
            source=envelope.source,
            sender=clinic,
            person_id=fact.person_id,
            centre_id=fact.centre_id if isinstance(fact, CentreFact) else None,
            refusal=refusal,
        )


def dead_letter_reason(error: NotRecorded) -> tuple[ReasonCode, str]:
    """What a clinic's refused fact is dead-lettered (and audited) with."""
    match error:
        case FactIncoherent():
            detail = "; ".join(f"data.{p.field}: {p.message}" for p in error.problems)
            return ReasonCode.INCOHERENT_FACT, detail
        case UnknownPerson():
            return ReasonCode.UNKNOWN_PERSON, "register the person with intake first"
        case UnknownCentre():
            return ReasonCode.UNKNOWN_CENTRE, "data.centre_id is not a registered centre"
        case SenderNotAllowed():
            return ReasonCode.SENDER_NOT_ALLOWED, error.reason
        case EventIdReused():
            return ReasonCode.EVENT_ID_REUSED, "this source already sent another fact with this id"
        case LinkRefused():
            return ReasonCode.NOT_LINKED, error.refusal.message
    raise AssertionError(f"no dead-letter reason for {type(error).__name__}")
