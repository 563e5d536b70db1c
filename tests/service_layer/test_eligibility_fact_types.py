"""The fact-type table: every person event eligibility reads has one row, stored the way the
repository has always stored it, and read back as the fact the rule knows."""

from __future__ import annotations

from datetime import date

import pytest
from peerlink_eligibility.domain import facts as f
from peerlink_eligibility.entrypoints.consumers import fact_route
from peerlink_eligibility.service_layer.fact_types import FACT_TYPES, read_fact, record_of
from peerlink_shared import contracts as c
from peerlink_shared.contracts.base import Payload
from peerlink_shared.messaging.envelope import make_envelope

from tests.fakes.eligibility import FakeEligibility

D1, D2 = date(2025, 1, 1), date(2027, 1, 1)
ROWS: list[tuple[Payload, str, dict[str, str | int | bool], f.Fact]] = [
    (
        c.AdmissionRecorded(person_id="p", centre_id="c", admitted_on=D1),
        "admission",
        {"centre_id": "c", "admitted_on": "2025-01-01"},
        f.Stay("c"),
    ),
    (
        c.ProgrammeEnded(person_id="p", centre_id="c", ended_on=D1, outcome="completed"),
        "completion",
        {"centre_id": "c", "ended_on": "2025-01-01", "outcome": "completed"},
        f.Completion("c", D1),
    ),
    (
        c.ProgrammeEnded(person_id="p", centre_id="c", ended_on=D1, outcome="left_early"),
        "programme_end",
        {"centre_id": "c", "ended_on": "2025-01-01", "outcome": "left_early"},
        f.Stay("c"),
    ),
    (
        c.DischargeRecorded(person_id="p", centre_id="c", discharged_on=D1),
        "discharge",
        {"centre_id": "c", "discharged_on": "2025-01-01"},
        f.Discharge("c", D1),
    ),
    (
        c.SobrietyMilestoneRecorded(person_id="p", sober_since=D1, days=30, recorded_on=D1),
        "sobriety",
        {"sober_since": "2025-01-01"},
        f.SobrietyDate(D1),
    ),
    (
        c.RelapseRecorded(person_id="p", relapsed_on=D1),
        "relapse",
        {"relapsed_on": "2025-01-01"},
        f.Relapse(D1),
    ),
    (
        c.CravingCheckInRecorded(person_id="p", level=3, checked_on=D1),
        "check_in",
        {"checked_on": "2025-01-01", "level": 3},
        f.CravingCheckIn(D1, 3),
    ),
    (
        c.VolunteeringChanged(person_id="p", volunteering=False, changed_on=D1),
        "consent",
        {"volunteering": False, "changed_on": "2025-01-01"},
        f.ConsentChange(D1, False),
    ),
    (
        c.TrainingCompleted(person_id="p", completed_on=D1, expires_on=D2),
        "training",
        {"completed_on": "2025-01-01", "expires_on": "2027-01-01"},
        f.Training(D1, D2),
    ),
    (
        c.BackgroundCheckCleared(person_id="p", cleared_on=D1, expires_on=D2),
        "background_check",
        {"cleared_on": "2025-01-01", "expires_on": "2027-01-01"},
        f.BackgroundCheck(D1, D2),
    ),
    (
        c.PersonRegistered(person_id="p", centre_id="c", registered_on=D1),
        "link",
        {"centre_id": "c"},
        f.Link("c"),
    ),
    (
        c.LinkConsentRecorded(
            person_id="p", centre_id="c", recorded_at_centre_id="h", consented_on=D1
        ),
        "consent_link",
        {"centre_id": "c", "consented_on": "2025-01-01"},
        f.ConsentLink("c", D1),
    ),
    (
        c.LinkConsentWithdrawn(
            person_id="p", centre_id="c", recorded_at_centre_id="h", withdrawn_on=D2
        ),
        "consent_withdrawal",
        {"centre_id": "c", "withdrawn_on": "2027-01-01"},
        f.ConsentWithdrawal("c", D2),
    ),
    (
        c.NetworkSharingChanged(person_id="p", sharing=True, changed_on=D1),
        "sharing",
        {"sharing": True, "changed_on": "2025-01-01"},
        f.SharingChange(D1, True),
    ),
]


@pytest.mark.parametrize(("event", "kind", "fields", "fact"), ROWS, ids=lambda v: str(v)[:24])
def test_each_event_is_stored_as_before_and_read_as_the_rules_fact(
    event: Payload, kind: str, fields: dict[str, str | int | bool], fact: f.Fact
) -> None:
    recorded = record_of(event)
    assert (recorded.person_id, recorded.kind, dict(recorded.fields)) == ("p", kind, fields)
    assert list(recorded.fields) == list(fields)  # the stored document keeps its field order
    assert read_fact(recorded.kind, recorded.fields) == fact


def test_every_person_event_eligibility_subscribes_to_has_one_row() -> None:
    contracts = {fact_type.contract.event_type() for fact_type in FACT_TYPES}
    expected = {f.event_type() for f in (*c.PERSON_FACTS, *c.LINK_FACTS) if f is not c.ReferralMade}
    assert len(contracts) == len(FACT_TYPES)
    assert contracts == expected
    assert {c.ReferralAccepted.event_type(), c.LinkConsentRecorded.event_type()} <= contracts


def test_an_event_it_does_not_keep_and_a_kind_it_does_not_read_are_refused_or_ignored() -> None:
    referral = c.ReferralMade(
        person_id="p", centre_id="bay", referred_by_centre_id="harbour", referred_on=D1
    )
    with pytest.raises(KeyError):
        record_of(referral)
    assert read_fact("shoe_size", {"size": 44}) is None


async def test_the_consumer_step_records_the_event_under_its_own_id() -> None:
    world = FakeEligibility()
    event = c.VolunteeringChanged(person_id="p-9", volunteering=True, changed_on=D1)
    (fact_type,) = [t for t in FACT_TYPES if t.contract is c.VolunteeringChanged]
    route = fact_route(fact_type, world.cases.recording)
    envelope = make_envelope(
        event_id="evt-consumed",
        source="/peerlink/intake",
        event_type=event.event_type(),
        subject="p-9",
        time=world.clock.now(),
        data=event.model_dump(mode="json"),
        correlation_id="flow-1",
    )

    await route.bind(envelope, "intake")()
    await route.bind(envelope, "intake")()  # redelivered

    assert route.event_type == c.VolunteeringChanged.event_type()
    assert world.store.persons["p-9"].event_ids == {"evt-consumed"}
    snapshot = await world.store.facts_of("p-9")
    assert snapshot.version == 1 and snapshot.facts.volunteering
