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
class ConsentChange:
    changed_on: date
    volunteering: bool
    event_id: str  # breaks ties between changes on the same day, deterministically


@dataclass(frozen=True)
class SobrietyDate:
    sober_since: date


@dataclass(frozen=True)
class Relapse:
    relapsed_on: date


Fact = Completion | SobrietyDate | Relapse | ConsentChange


@dataclass(frozen=True)
class PersonFacts:
    person_id: str
    completions: frozenset[Completion] = field(default_factory=frozenset)
    sobriety_dates: frozenset[date] = field(default_factory=frozenset)
    relapses: frozenset[date] = field(default_factory=frozenset)
    consent_changes: frozenset[ConsentChange] = field(default_factory=frozenset)

    @property
    def sober_since(self) -> date | None:
        """The latest sobriety date reported (a new date follows a relapse)."""
        return max(self.sobriety_dates, default=None)

    @property
    def volunteering(self) -> bool:
        if not self.consent_changes:
            return False
        latest = max(self.consent_changes, key=lambda c: (c.changed_on, c.volunteering, c.event_id))
        return latest.volunteering

    def completed_at(self) -> frozenset[str]:
        return frozenset(c.centre_id for c in self.completions)


def fold_facts(person_id: str, facts: Iterable[Fact]) -> PersonFacts:
    """Sets, not sequences: duplicates and arrival order cannot change the result."""
    completions: set[Completion] = set()
    sobriety: set[date] = set()
    relapses: set[date] = set()
    consents: set[ConsentChange] = set()
    for fact in facts:
        match fact:
            case Completion():
                completions.add(fact)
            case SobrietyDate():
                sobriety.add(fact.sober_since)
            case Relapse():
                relapses.add(fact.relapsed_on)
            case ConsentChange():
                consents.add(fact)
            case _:
                assert_never(fact)
    return PersonFacts(
        person_id=person_id,
        completions=frozenset(completions),
        sobriety_dates=frozenset(sobriety),
        relapses=frozenset(relapses),
        consent_changes=frozenset(consents),
    )
