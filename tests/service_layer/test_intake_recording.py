"""Intake's recording pipeline over fakes: what a fact stores, publishes and links, and why
one is refused, whichever door it came through (here with the HTTP door's command)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from peerlink_intake.domain.erasure import Erased
from peerlink_intake.domain.links import RefusalKind
from peerlink_intake.service_layer.errors import (
    EventIdReused,
    FactIncoherent,
    LinkRefused,
    UnknownCentre,
    UnknownPerson,
)
from peerlink_intake.service_layer.ports import FactRecord
from peerlink_intake.service_layer.recording import RecordFact
from peerlink_shared.contracts import (
    AdmissionRecorded,
    LinkConsentRecorded,
    LinkConsentWithdrawn,
    PersonFact,
    ReferralAccepted,
    ReferralMade,
    RelapseRecorded,
)
from peerlink_shared.messaging.publishing import Cause

from tests.fakes.clock import MovableClock
from tests.fakes.intake import FakeIntake

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
YESTERDAY = date(2026, 11, 29)


@pytest.fixture
def intake() -> FakeIntake:
    service = FakeIntake(MovableClock(NOW))
    service.person_at("p-1", "north")
    service.store.centre_named("south")
    return service


def at_north(fact: PersonFact, event_id: str = "e-1") -> RecordFact:
    return RecordFact(
        fact, event_id=event_id, cause=Cause("corr-1"), at_centre="north", recorded_by="c-7"
    )


def admission(centre: str = "north", on: date = YESTERDAY) -> AdmissionRecorded:
    return AdmissionRecorded(person_id="p-1", centre_id=centre, admitted_on=on)


async def test_a_fact_is_stored_and_published_under_its_event_id(intake: FakeIntake) -> None:
    recorded = await intake.recording.record(at_north(admission()))
    assert (recorded.event_id, recorded.duplicate) == ("e-1", False)
    assert recorded.event_type == AdmissionRecorded.event_type()
    (envelope,) = intake.outbox.on(intake.topics.person_events)
    assert (envelope.id, envelope.subject, envelope.source) == ("e-1", "p-1", "/peerlink/intake")
    assert (envelope.correlationid, envelope.causationid) == ("corr-1", None)
    assert envelope.data == admission().model_dump(mode="json")
    stored = intake.store.facts["e-1"]
    assert (stored.person_id, stored.event_type, stored.at) == ("p-1", envelope.type, NOW)


async def test_the_same_fact_under_the_same_id_is_a_duplicate(intake: FakeIntake) -> None:
    await intake.recording.record(at_north(admission()))
    again = await intake.recording.record(at_north(admission()))
    assert again.duplicate
    assert len(intake.outbox.added) == 1
    assert list(intake.store.facts) == ["e-1"]


async def test_another_fact_under_a_used_id_is_refused(intake: FakeIntake) -> None:
    await intake.recording.record(at_north(admission()))
    with pytest.raises(EventIdReused):
        await intake.recording.record(at_north(admission(on=date(2026, 11, 1))))
    assert len(intake.outbox.added) == 1


async def test_a_fact_in_the_future_is_incoherent_and_nothing_is_kept(
    intake: FakeIntake,
) -> None:
    tomorrow = (NOW + timedelta(days=2)).date()
    with pytest.raises(FactIncoherent) as refused:
        await intake.recording.record(
            at_north(RelapseRecorded(person_id="p-1", relapsed_on=tomorrow))
        )
    assert [p.field for p in refused.value.problems] == ["relapsed_on"]
    assert intake.outbox.added == []
    assert intake.store.facts == {}


async def test_an_unknown_person_is_refused(intake: FakeIntake) -> None:
    fact = AdmissionRecorded(person_id="p-404", centre_id="north", admitted_on=YESTERDAY)
    with pytest.raises(UnknownPerson):
        await intake.recording.record(at_north(fact))
    assert intake.outbox.added == []


async def test_a_fact_naming_an_unregistered_centre_is_refused(intake: FakeIntake) -> None:
    with pytest.raises(UnknownCentre):
        await intake.recording.record(at_north(admission(centre="atlantis")))
    assert intake.outbox.added == []


async def test_a_centre_not_linked_to_the_person_may_not_record(intake: FakeIntake) -> None:
    command = RecordFact(
        RelapseRecorded(person_id="p-1", relapsed_on=YESTERDAY),
        event_id="e-1",
        cause=Cause("corr-1"),
        at_centre="south",
    )
    with pytest.raises(LinkRefused) as refused:
        await intake.recording.record(command)
    assert refused.value.refusal.kind is RefusalKind.NOT_LINKED
    assert intake.outbox.added == []


async def test_an_admission_does_not_link_a_centre_to_anothers_person(
    intake: FakeIntake,
) -> None:
    with pytest.raises(LinkRefused):
        await intake.recording.record(at_north(admission(centre="south")))
    assert intake.store.links("p-1").centres == {"north"}


async def test_a_referral_once_accepted_links_the_centre(intake: FakeIntake) -> None:
    referral = ReferralMade(
        person_id="p-1", centre_id="south", referred_by_centre_id="north", referred_on=YESTERDAY
    )
    await intake.recording.record(at_north(referral, "e-1"))
    assert [r.centre_id for r in intake.store.links("p-1").pending()] == ["south"]
    accepted = ReferralAccepted(
        person_id="p-1", centre_id="south", referred_by_centre_id="north", accepted_on=YESTERDAY
    )
    await intake.recording.record(
        RecordFact(accepted, event_id="e-2", cause=Cause("c"), at_centre="south")
    )
    links = intake.store.links("p-1")
    assert links.centres == {"north", "south"}
    assert links.pending() == ()
    (south,) = [link for link in links.links if link.centre_id == "south"]
    assert (south.basis, south.referred_by) == ("referral", "north")
    assert [e.id for e in intake.outbox.on(intake.topics.person_events)] == ["e-1", "e-2"]


async def test_accepting_a_referral_nobody_made_is_refused(intake: FakeIntake) -> None:
    accepted = ReferralAccepted(
        person_id="p-1", centre_id="south", referred_by_centre_id="north", accepted_on=YESTERDAY
    )
    with pytest.raises(LinkRefused) as refused:
        await intake.recording.record(
            RecordFact(accepted, event_id="e-1", cause=Cause("c"), at_centre="south")
        )
    assert refused.value.refusal.kind is RefusalKind.NO_REFERRAL


async def test_consent_to_a_centre_linked_already_is_a_conflict(intake: FakeIntake) -> None:
    consent = LinkConsentRecorded(
        person_id="p-1", centre_id="north", recorded_at_centre_id="north", consented_on=YESTERDAY
    )
    with pytest.raises(LinkRefused) as refused:
        await intake.recording.record(at_north(consent))
    assert refused.value.refusal.kind is RefusalKind.ALREADY_LINKED


async def test_a_retry_makes_the_link_a_crash_left_out(intake: FakeIntake) -> None:
    consent = LinkConsentRecorded(
        person_id="p-1", centre_id="south", recorded_at_centre_id="north", consented_on=YESTERDAY
    )
    # The fact was stored, and the process stopped before the link was made.
    data = consent.model_dump(mode="json")
    intake.store.facts["e-1"] = FactRecord("e-1", "p-1", consent.event_type(), data, NOW)
    recorded = await intake.recording.record(at_north(consent))
    assert recorded.duplicate
    assert intake.store.links("p-1").centres == {"north", "south"}
    (south,) = [link for link in intake.store.links("p-1").links if link.centre_id == "south"]
    assert (south.basis, south.recorded_by) == ("consent", "c-7")
    assert intake.outbox.added == []


async def test_nothing_is_recorded_about_an_erased_person(intake: FakeIntake) -> None:
    await intake.store.mark_erased("p-1", at=NOW, request_id="er-1")
    with pytest.raises(Erased):
        await intake.recording.record(at_north(admission()))
    assert intake.outbox.added == []
    assert intake.store.facts == {}


def consent_to_south(on: date = YESTERDAY) -> LinkConsentRecorded:
    return LinkConsentRecorded(
        person_id="p-1", centre_id="south", recorded_at_centre_id="north", consented_on=on
    )


def withdrawal_from_south(through: str = "north", on: date = YESTERDAY) -> LinkConsentWithdrawn:
    return LinkConsentWithdrawn(
        person_id="p-1", centre_id="south", recorded_at_centre_id=through, withdrawn_on=on
    )


def at_south(fact: PersonFact, event_id: str) -> RecordFact:
    return RecordFact(fact, event_id=event_id, cause=Cause("c"), at_centre="south")


async def test_a_withdrawn_consent_unlinks_the_centre(intake: FakeIntake) -> None:
    await intake.recording.record(at_north(consent_to_south(), "e-1"))
    await intake.recording.record(
        at_south(RelapseRecorded(person_id="p-1", relapsed_on=YESTERDAY), "e-2")
    )
    withdrawn = await intake.recording.record(at_north(withdrawal_from_south(), "e-3"))
    assert withdrawn.event_type == LinkConsentWithdrawn.event_type()
    assert intake.store.links("p-1").centres == {"north"}
    with pytest.raises(LinkRefused) as refused:
        await intake.recording.record(at_south(admission("south"), "e-4"))
    assert refused.value.refusal.kind is RefusalKind.NOT_LINKED
    published = [e.type for e in intake.outbox.on(intake.topics.person_events)]
    assert published == [
        LinkConsentRecorded.event_type(),
        RelapseRecorded.event_type(),
        LinkConsentWithdrawn.event_type(),
    ]


async def test_withdrawing_a_consent_never_given_is_a_conflict(intake: FakeIntake) -> None:
    with pytest.raises(LinkRefused) as refused:
        await intake.recording.record(at_north(withdrawal_from_south()))
    assert refused.value.refusal.kind is RefusalKind.NO_CONSENT
    assert intake.outbox.added == []
    assert intake.store.facts == {}


async def test_a_withdrawal_in_the_future_is_incoherent(intake: FakeIntake) -> None:
    await intake.recording.record(at_north(consent_to_south(), "e-1"))
    with pytest.raises(FactIncoherent):
        await intake.recording.record(at_north(withdrawal_from_south(on=date(2026, 12, 2)), "e-2"))
    assert intake.store.links("p-1").centres == {"north", "south"}


async def test_a_retried_consent_does_not_undo_its_withdrawal(intake: FakeIntake) -> None:
    await intake.recording.record(at_north(consent_to_south(), "e-1"))
    await intake.recording.record(at_north(withdrawal_from_south(), "e-2"))
    again = await intake.recording.record(at_north(consent_to_south(), "e-1"))
    assert again.duplicate
    assert intake.store.links("p-1").centres == {"north"}


async def test_consent_given_again_after_a_withdrawal_links_again(intake: FakeIntake) -> None:
    await intake.recording.record(at_north(consent_to_south(date(2026, 11, 27)), "e-1"))
    await intake.recording.record(at_north(withdrawal_from_south(on=date(2026, 11, 28)), "e-2"))
    with pytest.raises(LinkRefused) as refused:  # dated the day it was withdrawn
        await intake.recording.record(at_north(consent_to_south(date(2026, 11, 28)), "e-3"))
    assert refused.value.refusal.kind is RefusalKind.CONSENT_DATE
    await intake.recording.record(at_north(consent_to_south(YESTERDAY), "e-4"))
    assert intake.store.links("p-1").centres == {"north", "south"}
