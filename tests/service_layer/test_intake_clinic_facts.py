"""Intake's clinic door over fakes: a clinic system's fact goes through the same recording
pipeline as the HTTP door's, held to the centres the clinic may act for, under an id
namespaced by the sender; every fact is audited, and each refusal dead-lettered with its
reason."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from peerlink_intake.domain.clinics import replaced
from peerlink_intake.domain.links import PersonLinks
from peerlink_intake.service_layer.clinic_facts import PERSON_ERASED
from peerlink_shared.contracts import (
    AdmissionRecorded,
    DischargeRecorded,
    PersonFact,
    RelapseRecorded,
    VolunteeringChanged,
)
from peerlink_shared.messaging.dead_letters import ReasonCode, Refused
from peerlink_shared.messaging.envelope import Envelope, derived_event_id, make_envelope

from tests.fakes.clock import MovableClock
from tests.fakes.intake import OPS, FakeIntake

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
YESTERDAY = date(2026, 11, 29)
CLINIC = "harbour-ehr"
SOURCE = "/clinics/cove-ehr/adt"  # what the event claims; the sender is CLINIC


@pytest.fixture
def intake() -> FakeIntake:
    service = FakeIntake(MovableClock(NOW))
    service.person_at("p-1", "north")
    service.person_at("p-2", "south")
    grants = replaced(None, clinic=CLINIC, centres=frozenset({"north"}), by=OPS, at=NOW)
    assert grants is not None
    service.grants.currents[CLINIC] = grants
    return service


def sent(fact: PersonFact, *, event_id: str = "clinic-1", subject: str | None = None) -> Envelope:
    return make_envelope(
        event_id=event_id,
        source=SOURCE,
        event_type=fact.event_type(),
        subject=subject or fact.person_id,
        time=NOW,
        data=fact.model_dump(mode="json"),
        correlation_id="clinic-corr",
    )


async def refused(intake: FakeIntake, fact: PersonFact, **envelope: str) -> tuple[ReasonCode, str]:
    with pytest.raises(Refused) as raised:
        await intake.clinic_facts.on_clinic_fact(sent(fact, **envelope), fact, CLINIC)
    assert intake.outbox.added == []
    (entry,) = intake.audit.entries
    assert (entry.outcome, entry.refusal) == ("refused", raised.value.refusal.code.value)
    return raised.value.refusal.code, raised.value.refusal.detail


async def test_an_accepted_fact_is_published_under_the_senders_namespace_and_audited(
    intake: FakeIntake,
) -> None:
    fact = RelapseRecorded(person_id="p-1", relapsed_on=YESTERDAY)
    await intake.clinic_facts.on_clinic_fact(sent(fact), fact, CLINIC)
    (envelope,) = intake.outbox.on(intake.topics.person_events)
    assert envelope.id == derived_event_id("inbound", CLINIC, SOURCE, "clinic-1")
    assert (envelope.correlationid, envelope.subject) == ("clinic-corr", "p-1")
    assert envelope.id in intake.store.facts
    (entry,) = intake.audit.entries
    assert (entry.outcome, entry.refusal, entry.request_id) == ("accepted", None, "clinic-1")
    # The actor is the clinic the topic belongs to; the source is only what it claims.
    assert (entry.actor.subject, entry.event_source) == (CLINIC, SOURCE)


async def test_the_same_event_again_records_nothing_more(intake: FakeIntake) -> None:
    fact = RelapseRecorded(person_id="p-1", relapsed_on=YESTERDAY)
    for _ in range(2):
        await intake.clinic_facts.on_clinic_fact(sent(fact), fact, CLINIC)
    assert len(intake.outbox.added) == 1
    assert [e.outcome for e in intake.audit.entries] == ["accepted", "accepted"]


async def test_a_subject_other_than_the_person_is_refused(intake: FakeIntake) -> None:
    fact = RelapseRecorded(person_id="p-1", relapsed_on=YESTERDAY)
    code, _ = await refused(intake, fact, subject="p-2")
    assert code is ReasonCode.SUBJECT_MISMATCH


@pytest.mark.parametrize(
    ("fact", "code", "detail"),
    [
        (
            RelapseRecorded(person_id="p-1", relapsed_on=date(2026, 12, 25)),
            ReasonCode.INCOHERENT_FACT,
            "data.relapsed_on:",
        ),
        (
            RelapseRecorded(person_id="p-404", relapsed_on=YESTERDAY),
            ReasonCode.UNKNOWN_PERSON,
            "register the person with intake first",
        ),
        (
            AdmissionRecorded(person_id="p-1", centre_id="atlantis", admitted_on=YESTERDAY),
            ReasonCode.UNKNOWN_CENTRE,
            "data.centre_id is not a registered centre",
        ),
        (
            AdmissionRecorded(person_id="p-2", centre_id="south", admitted_on=YESTERDAY),
            ReasonCode.SENDER_NOT_ALLOWED,
            "data.centre_id is not a centre this clinic may act for",
        ),
        (
            VolunteeringChanged(person_id="p-2", volunteering=True, changed_on=YESTERDAY),
            ReasonCode.SENDER_NOT_ALLOWED,
            "the person is at no centre this clinic may act for",
        ),
        (
            # Granted for north, but the person is south's: an admission does not link them.
            AdmissionRecorded(person_id="p-2", centre_id="north", admitted_on=YESTERDAY),
            ReasonCode.NOT_LINKED,
            "this person is not linked to this centre",
        ),
    ],
    ids=[
        "incoherent",
        "unknown-person",
        "unknown-centre",
        "centre-not-granted",
        "person-elsewhere",
        "not-linked",
    ],
)
async def test_each_refusal_is_dead_lettered_with_its_reason(
    intake: FakeIntake, fact: PersonFact, code: ReasonCode, detail: str
) -> None:
    found, said = await refused(intake, fact)
    assert found is code
    assert said.startswith(detail)


async def test_a_clinic_never_registered_may_send_nothing(intake: FakeIntake) -> None:
    del intake.grants.currents[CLINIC]
    code, detail = await refused(intake, RelapseRecorded(person_id="p-1", relapsed_on=YESTERDAY))
    assert (code, detail) == (
        ReasonCode.SENDER_NOT_ALLOWED,
        "the clinic is not registered with intake",
    )


async def test_a_revocation_holds_from_the_next_event(intake: FakeIntake) -> None:
    current = intake.grants.currents[CLINIC]
    intake.grants.currents[CLINIC] = replace(current, version=2, centres=frozenset())
    code, _ = await refused(intake, RelapseRecorded(person_id="p-1", relapsed_on=YESTERDAY))
    assert code is ReasonCode.SENDER_NOT_ALLOWED


async def test_an_event_id_reused_for_another_fact_is_refused(intake: FakeIntake) -> None:
    first = RelapseRecorded(person_id="p-1", relapsed_on=YESTERDAY)
    await intake.clinic_facts.on_clinic_fact(sent(first), first, CLINIC)
    other = RelapseRecorded(person_id="p-1", relapsed_on=YESTERDAY - timedelta(days=3))
    with pytest.raises(Refused) as raised:
        await intake.clinic_facts.on_clinic_fact(sent(other), other, CLINIC)
    assert raised.value.refusal.code is ReasonCode.EVENT_ID_REUSED
    assert len(intake.outbox.added) == 1
    assert [e.outcome for e in intake.audit.entries] == ["accepted", "refused"]


async def test_the_same_id_from_another_source_is_another_fact(intake: FakeIntake) -> None:
    fact = RelapseRecorded(person_id="p-1", relapsed_on=YESTERDAY)
    await intake.clinic_facts.on_clinic_fact(sent(fact), fact, CLINIC)
    elsewhere = sent(fact).model_copy(update={"source": "/clinics/harbour-ehr/lab"})
    await intake.clinic_facts.on_clinic_fact(elsewhere, fact, CLINIC)
    assert len({e.id for _, e in intake.outbox.added}) == 2


async def test_a_fact_about_an_erased_person_is_skipped_and_audited(intake: FakeIntake) -> None:
    await intake.store.mark_erased("p-1", at=NOW, request_id="er-1")
    fact = RelapseRecorded(person_id="p-1", relapsed_on=YESTERDAY)
    await intake.clinic_facts.on_clinic_fact(sent(fact), fact, CLINIC)  # no dead letter
    assert intake.outbox.added == []
    assert intake.store.facts == {}
    (entry,) = intake.audit.entries
    assert (entry.outcome, entry.refusal) == ("refused", PERSON_ERASED)


def counting_link_reads(intake: FakeIntake, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    reads: list[str] = []
    links_of = intake.store.links_of

    async def counted(person_id: str) -> PersonLinks | None:
        reads.append(person_id)
        return await links_of(person_id)

    monkeypatch.setattr(intake.store, "links_of", counted)
    return reads


def granting_north_and_south(intake: FakeIntake) -> None:
    granted = replaced(None, clinic=CLINIC, centres=frozenset({"north", "south"}), by=OPS, at=NOW)
    assert granted is not None
    intake.grants.currents[CLINIC] = granted


async def test_a_fact_at_a_centre_reads_the_persons_links_once_for_both_checks(
    intake: FakeIntake, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = counting_link_reads(intake, monkeypatch)
    fact = DischargeRecorded(person_id="p-1", centre_id="north", discharged_on=YESTERDAY)
    await intake.clinic_facts.on_clinic_fact(sent(fact), fact, CLINIC)
    assert reads == ["p-1"]  # the sender check's read serves the link check
    (envelope,) = intake.outbox.on(intake.topics.person_events)
    assert envelope.subject == "p-1"


@pytest.mark.parametrize(
    ("fact", "code"),
    [
        # The sender may admit at south; the person is not linked there.
        (
            AdmissionRecorded(person_id="p-1", centre_id="south", admitted_on=YESTERDAY),
            ReasonCode.NOT_LINKED,
        ),
        # Any other fact: the person must be at a centre the sender may act for.
        (
            DischargeRecorded(person_id="p-1", centre_id="south", discharged_on=YESTERDAY),
            ReasonCode.SENDER_NOT_ALLOWED,
        ),
    ],
)
async def test_a_fact_at_a_centre_the_person_is_not_linked_to_is_refused_as_before(
    intake: FakeIntake, monkeypatch: pytest.MonkeyPatch, fact: PersonFact, code: ReasonCode
) -> None:
    granting_north_and_south(intake)
    reads = counting_link_reads(intake, monkeypatch)
    assert (await refused(intake, fact))[0] == code
    assert reads == ["p-1"]


async def test_an_erased_persons_fact_at_a_centre_is_still_skipped(intake: FakeIntake) -> None:
    await intake.store.mark_erased("p-1", at=NOW, request_id="er-1")
    fact = DischargeRecorded(person_id="p-1", centre_id="north", discharged_on=YESTERDAY)
    await intake.clinic_facts.on_clinic_fact(sent(fact), fact, CLINIC)
    assert intake.outbox.added == []
    (entry,) = intake.audit.entries
    assert entry.refusal == PERSON_ERASED
