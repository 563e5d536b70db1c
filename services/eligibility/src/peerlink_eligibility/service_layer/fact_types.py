"""Each person-fact type, written once: the event that carries it, what is stored of it, and
what the rule reads of it. The consumer subscribes to every event here, and the repository
reads stored facts through it; a new fact type is one row (and its domain fact)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from peerlink_shared import contracts as c
from peerlink_shared.contracts.base import Payload

from peerlink_eligibility.domain import facts as f
from peerlink_eligibility.domain.facts import Fact
from peerlink_eligibility.service_layer.ports import RecordedFact, StoredFields

P = TypeVar("P", bound=Payload)
Read = Callable[[StoredFields], Fact]


@dataclass(frozen=True)
class FactType:
    """One event about a person: how it is stored (`record`) and, by the kind it is stored
    as, what the rule reads of it (`reads`)."""

    contract: type[Payload]
    record: Callable[[Payload], RecordedFact]
    reads: Mapping[str, Read] = field(default_factory=dict)


def fact_type(contract: type[P], record: Callable[[P], RecordedFact], **reads: Read) -> FactType:
    def recorded(payload: Payload) -> RecordedFact:
        if not isinstance(payload, contract):
            raise TypeError(f"{type(payload).__name__} is not {contract.__name__}")
        return record(payload)

    return FactType(contract, recorded, reads)


def _text(fields: StoredFields, name: str) -> str:
    return str(fields[name])


def _day(fields: StoredFields, name: str) -> date:
    return date.fromisoformat(str(fields[name]))


def _link(fields: StoredFields) -> Fact:
    return f.Link(_text(fields, "centre_id"))


def _stay(fields: StoredFields) -> Fact:
    return f.Stay(_text(fields, "centre_id"))


def _linked(person_id: str, centre_id: str) -> RecordedFact:
    return RecordedFact(person_id, "link", {"centre_id": centre_id})


# Stays and a programme's end are kept whole for later policies; the rule reads a stay or a
# programme not completed only as a link to its centre.
FACT_TYPES: tuple[FactType, ...] = (
    fact_type(
        c.AdmissionRecorded,
        lambda e: RecordedFact(
            e.person_id,
            "admission",
            {"centre_id": e.centre_id, "admitted_on": e.admitted_on.isoformat()},
        ),
        admission=_stay,
    ),
    fact_type(
        c.ProgrammeEnded,
        # Only a completed programme qualifies; other outcomes are kept for the record.
        lambda e: RecordedFact(
            e.person_id,
            "completion" if e.outcome == "completed" else "programme_end",
            {"centre_id": e.centre_id, "ended_on": e.ended_on.isoformat(), "outcome": e.outcome},
        ),
        completion=lambda s: f.Completion(_text(s, "centre_id"), _day(s, "ended_on")),
        programme_end=_stay,
    ),
    fact_type(
        c.DischargeRecorded,
        lambda e: RecordedFact(
            e.person_id,
            "discharge",
            {"centre_id": e.centre_id, "discharged_on": e.discharged_on.isoformat()},
        ),
        discharge=lambda s: f.Discharge(_text(s, "centre_id"), _day(s, "discharged_on")),
    ),
    fact_type(
        c.SobrietyMilestoneRecorded,
        lambda e: RecordedFact(e.person_id, "sobriety", {"sober_since": e.sober_since.isoformat()}),
        sobriety=lambda s: f.SobrietyDate(_day(s, "sober_since")),
    ),
    fact_type(
        c.RelapseRecorded,
        lambda e: RecordedFact(e.person_id, "relapse", {"relapsed_on": e.relapsed_on.isoformat()}),
        relapse=lambda s: f.Relapse(_day(s, "relapsed_on")),
    ),
    fact_type(
        c.CravingCheckInRecorded,
        lambda e: RecordedFact(
            e.person_id, "check_in", {"checked_on": e.checked_on.isoformat(), "level": e.level}
        ),
        check_in=lambda s: f.CravingCheckIn(_day(s, "checked_on"), int(s["level"])),
    ),
    fact_type(
        c.VolunteeringChanged,
        lambda e: RecordedFact(
            e.person_id,
            "consent",
            {"volunteering": e.volunteering, "changed_on": e.changed_on.isoformat()},
        ),
        consent=lambda s: f.ConsentChange(_day(s, "changed_on"), bool(s["volunteering"])),
    ),
    fact_type(
        c.TrainingCompleted,
        lambda e: RecordedFact(
            e.person_id,
            "training",
            {"completed_on": e.completed_on.isoformat(), "expires_on": e.expires_on.isoformat()},
        ),
        training=lambda s: f.Training(_day(s, "completed_on"), _day(s, "expires_on")),
    ),
    fact_type(
        c.BackgroundCheckCleared,
        lambda e: RecordedFact(
            e.person_id,
            "background_check",
            {"cleared_on": e.cleared_on.isoformat(), "expires_on": e.expires_on.isoformat()},
        ),
        background_check=lambda s: f.BackgroundCheck(_day(s, "cleared_on"), _day(s, "expires_on")),
    ),
    # Who the person's own centres are, and whether they share across the network. (A
    # referral not yet accepted changes neither, and is not read.)
    fact_type(c.PersonRegistered, lambda e: _linked(e.person_id, e.centre_id), link=_link),
    fact_type(c.ReferralAccepted, lambda e: _linked(e.person_id, e.centre_id), link=_link),
    # A consent is kept with its day, so that its withdrawal can end it. (A consent stored
    # before withdrawals existed was kept as a plain link, and stands.)
    fact_type(
        c.LinkConsentRecorded,
        lambda e: RecordedFact(
            e.person_id,
            "consent_link",
            {"centre_id": e.centre_id, "consented_on": e.consented_on.isoformat()},
        ),
        consent_link=lambda s: f.ConsentLink(_text(s, "centre_id"), _day(s, "consented_on")),
    ),
    fact_type(
        c.LinkConsentWithdrawn,
        lambda e: RecordedFact(
            e.person_id,
            "consent_withdrawal",
            {"centre_id": e.centre_id, "withdrawn_on": e.withdrawn_on.isoformat()},
        ),
        consent_withdrawal=lambda s: f.ConsentWithdrawal(
            _text(s, "centre_id"), _day(s, "withdrawn_on")
        ),
    ),
    fact_type(
        c.NetworkSharingChanged,
        lambda e: RecordedFact(
            e.person_id, "sharing", {"sharing": e.sharing, "changed_on": e.changed_on.isoformat()}
        ),
        sharing=lambda s: f.SharingChange(_day(s, "changed_on"), bool(s["sharing"])),
    ),
)

_READS: dict[str, Read] = {
    kind: read for fact_type in FACT_TYPES for kind, read in fact_type.reads.items()
}


def read_fact(kind: str, fields: StoredFields) -> Fact | None:
    """What the rule reads of a stored fact (None: a kind it does not read)."""
    read = _READS.get(kind)
    return None if read is None else read(fields)


_BY_CONTRACT: dict[type[Payload], FactType] = {
    fact_type.contract: fact_type for fact_type in FACT_TYPES
}


def record_of(payload: Payload) -> RecordedFact:
    """What is stored of an event about a person (KeyError: not a fact this service keeps)."""
    return _BY_CONTRACT[type(payload)].record(payload)
