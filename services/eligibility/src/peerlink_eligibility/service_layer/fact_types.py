"""Each person-fact type, written once: the event that carries it, what is stored of it, and
what the rule reads of it. The consumer subscribes to every event here, and the repository
reads stored facts through it; a new fact type is one row (and its domain fact)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

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
from peerlink_shared.contracts.base import Payload

from peerlink_eligibility.domain.facts import (
    BackgroundCheck,
    Completion,
    ConsentChange,
    CravingCheckIn,
    Discharge,
    Fact,
    Link,
    Relapse,
    SharingChange,
    SobrietyDate,
    Training,
)
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
    return Link(_text(fields, "centre_id"))


def _linked(person_id: str, centre_id: str) -> RecordedFact:
    return RecordedFact(person_id, "link", {"centre_id": centre_id})


# Stays and a programme's end are kept whole for later policies; the rule reads a stay or a
# programme not completed only as a link to its centre.
FACT_TYPES: tuple[FactType, ...] = (
    fact_type(
        AdmissionRecorded,
        lambda f: RecordedFact(
            f.person_id,
            "admission",
            {"centre_id": f.centre_id, "admitted_on": f.admitted_on.isoformat()},
        ),
        admission=_link,
    ),
    fact_type(
        ProgrammeEnded,
        # Only a completed programme qualifies; other outcomes are kept for the record.
        lambda f: RecordedFact(
            f.person_id,
            "completion" if f.outcome == "completed" else "programme_end",
            {"centre_id": f.centre_id, "ended_on": f.ended_on.isoformat(), "outcome": f.outcome},
        ),
        completion=lambda s: Completion(_text(s, "centre_id"), _day(s, "ended_on")),
        programme_end=_link,
    ),
    fact_type(
        DischargeRecorded,
        lambda f: RecordedFact(
            f.person_id,
            "discharge",
            {"centre_id": f.centre_id, "discharged_on": f.discharged_on.isoformat()},
        ),
        discharge=lambda s: Discharge(_text(s, "centre_id"), _day(s, "discharged_on")),
    ),
    fact_type(
        SobrietyMilestoneRecorded,
        lambda f: RecordedFact(f.person_id, "sobriety", {"sober_since": f.sober_since.isoformat()}),
        sobriety=lambda s: SobrietyDate(_day(s, "sober_since")),
    ),
    fact_type(
        RelapseRecorded,
        lambda f: RecordedFact(f.person_id, "relapse", {"relapsed_on": f.relapsed_on.isoformat()}),
        relapse=lambda s: Relapse(_day(s, "relapsed_on")),
    ),
    fact_type(
        CravingCheckInRecorded,
        lambda f: RecordedFact(
            f.person_id, "check_in", {"checked_on": f.checked_on.isoformat(), "level": f.level}
        ),
        check_in=lambda s: CravingCheckIn(_day(s, "checked_on"), int(s["level"])),
    ),
    fact_type(
        VolunteeringChanged,
        lambda f: RecordedFact(
            f.person_id,
            "consent",
            {"volunteering": f.volunteering, "changed_on": f.changed_on.isoformat()},
        ),
        consent=lambda s: ConsentChange(_day(s, "changed_on"), bool(s["volunteering"])),
    ),
    fact_type(
        TrainingCompleted,
        lambda f: RecordedFact(
            f.person_id,
            "training",
            {"completed_on": f.completed_on.isoformat(), "expires_on": f.expires_on.isoformat()},
        ),
        training=lambda s: Training(_day(s, "completed_on"), _day(s, "expires_on")),
    ),
    fact_type(
        BackgroundCheckCleared,
        lambda f: RecordedFact(
            f.person_id,
            "background_check",
            {"cleared_on": f.cleared_on.isoformat(), "expires_on": f.expires_on.isoformat()},
        ),
        background_check=lambda s: BackgroundCheck(_day(s, "cleared_on"), _day(s, "expires_on")),
    ),
    # Who the person's own centres are, and whether they share across the network. (A
    # referral not yet accepted changes neither, and is not read.)
    fact_type(PersonRegistered, lambda f: _linked(f.person_id, f.centre_id), link=_link),
    fact_type(ReferralAccepted, lambda f: _linked(f.person_id, f.centre_id), link=_link),
    fact_type(LinkConsentRecorded, lambda f: _linked(f.person_id, f.centre_id), link=_link),
    fact_type(
        NetworkSharingChanged,
        lambda f: RecordedFact(
            f.person_id, "sharing", {"sharing": f.sharing, "changed_on": f.changed_on.isoformat()}
        ),
        sharing=lambda s: SharingChange(_day(s, "changed_on"), bool(s["sharing"])),
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
