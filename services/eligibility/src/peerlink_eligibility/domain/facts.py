"""A person's facts as a set, folded the same way whatever order they arrived in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import assert_never


@dataclass(frozen=True)
class Completion:
    centre_id: str
    ended_on: date


@dataclass(frozen=True)
class Discharge:
    centre_id: str
    discharged_on: date


@dataclass(frozen=True)
class SobrietyDate:
    sober_since: date


@dataclass(frozen=True)
class Relapse:
    relapsed_on: date


@dataclass(frozen=True)
class CravingCheckIn:
    checked_on: date
    level: int


@dataclass(frozen=True)
class ConsentChange:
    changed_on: date
    volunteering: bool


@dataclass(frozen=True)
class Training:
    completed_on: date
    expires_on: date


@dataclass(frozen=True)
class BackgroundCheck:
    cleared_on: date
    expires_on: date


Fact = (
    Completion
    | Discharge
    | SobrietyDate
    | Relapse
    | CravingCheckIn
    | ConsentChange
    | Training
    | BackgroundCheck
)


@dataclass(frozen=True)
class PersonFacts:
    person_id: str
    completions: frozenset[Completion] = field(default_factory=frozenset)
    discharges: frozenset[Discharge] = field(default_factory=frozenset)
    sobriety_dates: frozenset[date] = field(default_factory=frozenset)
    relapses: frozenset[date] = field(default_factory=frozenset)
    check_ins: frozenset[CravingCheckIn] = field(default_factory=frozenset)
    consent_changes: frozenset[ConsentChange] = field(default_factory=frozenset)
    trainings: frozenset[Training] = field(default_factory=frozenset)
    background_checks: frozenset[BackgroundCheck] = field(default_factory=frozenset)

    @property
    def sober_since(self) -> date | None:
        """The latest sobriety date reported (a new date follows a relapse)."""
        return max(self.sobriety_dates, default=None)

    @property
    def volunteering(self) -> bool:
        if not self.consent_changes:
            return False
        # On one day, a withdrawal outweighs a volunteering: consent must be clear.
        latest = max(self.consent_changes, key=lambda c: (c.changed_on, not c.volunteering))
        return latest.volunteering

    @property
    def latest_check_in(self) -> CravingCheckIn | None:
        """The latest day's check-in; on one day, the highest level reported."""
        return max(self.check_ins, key=lambda c: (c.checked_on, c.level), default=None)

    @property
    def last_discharge(self) -> date | None:
        return max((d.discharged_on for d in self.discharges), default=None)

    @property
    def training_valid_until(self) -> date | None:
        return max((t.expires_on for t in self.trainings), default=None)

    @property
    def background_check_valid_until(self) -> date | None:
        return max((c.expires_on for c in self.background_checks), default=None)

    def completed_at(self) -> frozenset[str]:
        return frozenset(c.centre_id for c in self.completions)


def fold_facts(person_id: str, facts: Iterable[Fact]) -> PersonFacts:
    """Sets, not sequences: duplicates and arrival order cannot change the result."""
    completions: set[Completion] = set()
    discharges: set[Discharge] = set()
    sobriety: set[date] = set()
    relapses: set[date] = set()
    check_ins: set[CravingCheckIn] = set()
    consents: set[ConsentChange] = set()
    trainings: set[Training] = set()
    checks: set[BackgroundCheck] = set()
    for fact in facts:
        match fact:
            case Completion():
                completions.add(fact)
            case Discharge():
                discharges.add(fact)
            case SobrietyDate():
                sobriety.add(fact.sober_since)
            case Relapse():
                relapses.add(fact.relapsed_on)
            case CravingCheckIn():
                check_ins.add(fact)
            case ConsentChange():
                consents.add(fact)
            case Training():
                trainings.add(fact)
            case BackgroundCheck():
                checks.add(fact)
            case _:
                assert_never(fact)
    return PersonFacts(
        person_id=person_id,
        completions=frozenset(completions),
        discharges=frozenset(discharges),
        sobriety_dates=frozenset(sobriety),
        relapses=frozenset(relapses),
        check_ins=frozenset(check_ins),
        consent_changes=frozenset(consents),
        trainings=frozenset(trainings),
        background_checks=frozenset(checks),
    )
