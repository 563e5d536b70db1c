"""A person's facts as a set, folded the same way whatever order they arrived in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Never, TypeVar, assert_never


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
class Link:
    """A centre linked to the person for good: their home centre, or one that accepted a
    referral (or, stored before consents could be withdrawn, one they consented to)."""

    centre_id: str


@dataclass(frozen=True)
class Stay:
    """An admission or a programme not completed at a centre: it was linked then (only a
    linked centre records a stay), and stays so unless that link was a consent since
    withdrawn."""

    centre_id: str


@dataclass(frozen=True)
class ConsentLink:
    """A centre the person consented to be linked to, from that day; a withdrawal dated on
    or after it ends it."""

    centre_id: str
    consented_on: date


@dataclass(frozen=True)
class ConsentWithdrawal:
    """The person withdrew their consent to be linked to a centre."""

    centre_id: str
    withdrawn_on: date


@dataclass(frozen=True)
class SharingChange:
    """The person's choice to be offered across the network, or its withdrawal."""

    changed_on: date
    sharing: bool


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
    | Link
    | Stay
    | ConsentLink
    | ConsentWithdrawal
    | SharingChange
)


@dataclass(frozen=True)
class PersonFacts:
    """What the rule reads is derived once per instance (cached_property): a what-if asks
    the same person's facts for two policies, and a held snapshot for every slider step."""

    person_id: str
    completions: frozenset[Completion] = field(default_factory=frozenset)
    discharges: frozenset[Discharge] = field(default_factory=frozenset)
    sobriety_dates: frozenset[date] = field(default_factory=frozenset)
    relapses: frozenset[date] = field(default_factory=frozenset)
    check_ins: frozenset[CravingCheckIn] = field(default_factory=frozenset)
    consent_changes: frozenset[ConsentChange] = field(default_factory=frozenset)
    trainings: frozenset[Training] = field(default_factory=frozenset)
    background_checks: frozenset[BackgroundCheck] = field(default_factory=frozenset)
    links: frozenset[str] = field(default_factory=frozenset)
    stays: frozenset[str] = field(default_factory=frozenset)
    consent_links: frozenset[ConsentLink] = field(default_factory=frozenset)
    consent_withdrawals: frozenset[ConsentWithdrawal] = field(default_factory=frozenset)
    sharing_changes: frozenset[SharingChange] = field(default_factory=frozenset)

    @cached_property
    def sober_since(self) -> date | None:
        """The latest sobriety date reported (a new date follows a relapse)."""
        return max(self.sobriety_dates, default=None)

    @cached_property
    def relapsed_since_sober(self) -> bool:
        """A relapse on or after the latest sobriety date (a relapse that day counts)."""
        sober_since = self.sober_since
        return sober_since is not None and any(day >= sober_since for day in self.relapses)

    @cached_property
    def volunteering(self) -> bool:
        if not self.consent_changes:
            return False
        # On one day, a withdrawal outweighs a volunteering: consent must be clear.
        latest = max(self.consent_changes, key=lambda c: (c.changed_on, not c.volunteering))
        return latest.volunteering

    @cached_property
    def latest_check_in(self) -> CravingCheckIn | None:
        """The latest day's check-in; on one day, the highest level reported."""
        return max(self.check_ins, key=lambda c: (c.checked_on, c.level), default=None)

    @cached_property
    def last_discharge(self) -> date | None:
        return max((d.discharged_on for d in self.discharges), default=None)

    @cached_property
    def training_valid_until(self) -> date | None:
        return max((t.expires_on for t in self.trainings), default=None)

    @cached_property
    def background_check_valid_until(self) -> date | None:
        return max((c.expires_on for c in self.background_checks), default=None)

    def completed_at(self) -> frozenset[str]:
        return self._completed_at

    @cached_property
    def _completed_at(self) -> frozenset[str]:
        return frozenset(c.centre_id for c in self.completions)

    @cached_property
    def linked_centres(self) -> frozenset[str]:
        """The person's own centres: whoever may record facts about them. A centre where a
        stay was recorded is one (only a linked centre can record a stay), unless it was
        linked only by a consent the person has since withdrawn."""
        stays = self.stays | {d.centre_id for d in self.discharges}
        consented = self._standing_consents
        ended = {w.centre_id for w in self.consent_withdrawals} - consented - self.links
        return (self.links | consented | self.completed_at() | stays) - ended

    @cached_property
    def _standing_consents(self) -> frozenset[str]:
        """Centres linked by a consent not withdrawn on or after its day (on one day, a
        withdrawal outweighs a consent, as intake reads it)."""
        return frozenset(
            c.centre_id
            for c in self.consent_links
            if not any(
                w.centre_id == c.centre_id and w.withdrawn_on >= c.consented_on
                for w in self.consent_withdrawals
            )
        )

    def open_to(self, centre_id: str) -> bool:
        """Whether a centre may consider the person at all: one of their own, or any centre
        while they choose to be offered across the network."""
        return centre_id in self.linked_centres or self.shares_with_network

    @cached_property
    def shares_with_network(self) -> bool:
        if not self.sharing_changes:
            return False
        # On one day, a withdrawal outweighs a choice to share, as with volunteering.
        latest = max(self.sharing_changes, key=lambda c: (c.changed_on, not c.sharing))
        return latest.sharing


# Most persons have no facts of most kinds: one empty set serves them all (a what-if holds
# every person's facts, and an empty frozenset is 216 bytes).
_NONE: frozenset[Never] = frozenset()
_T = TypeVar("_T")


def _frozen(items: set[_T]) -> frozenset[_T]:
    return frozenset(items) if items else _NONE


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
    links: set[str] = set()
    stays: set[str] = set()
    consent_links: set[ConsentLink] = set()
    withdrawals: set[ConsentWithdrawal] = set()
    sharing: set[SharingChange] = set()
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
            case Link():
                links.add(fact.centre_id)
            case Stay():
                stays.add(fact.centre_id)
            case ConsentLink():
                consent_links.add(fact)
            case ConsentWithdrawal():
                withdrawals.add(fact)
            case SharingChange():
                sharing.add(fact)
            case _:
                assert_never(fact)
    return PersonFacts(
        person_id=person_id,
        completions=_frozen(completions),
        discharges=_frozen(discharges),
        sobriety_dates=_frozen(sobriety),
        relapses=_frozen(relapses),
        check_ins=_frozen(check_ins),
        consent_changes=_frozen(consents),
        trainings=_frozen(trainings),
        background_checks=_frozen(checks),
        links=_frozen(links),
        stays=_frozen(stays),
        consent_links=_frozen(consent_links),
        consent_withdrawals=_frozen(withdrawals),
        sharing_changes=_frozen(sharing),
    )
