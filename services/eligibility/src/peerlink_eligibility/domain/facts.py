"""A person's facts as a set, folded the same way whatever order they arrived in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


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
