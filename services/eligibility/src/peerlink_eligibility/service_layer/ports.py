"""What the use cases need of the edges: the stores of facts, decisions, policies and jobs, as
Protocols, and the typed records they return. The adapters implement them over MongoDB; the
service-layer tests over memory (tests/fakes/eligibility.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from peerlink_eligibility.domain.decision import Decision
from peerlink_eligibility.domain.facts import PersonFacts
from peerlink_eligibility.domain.policy import Policy

# A stored fact's fields, as stored and shown in a subject access report.
StoredFields = Mapping[str, str | int | bool]


@dataclass(frozen=True)
class RecordedFact:
    """One fact about a person, as stored: its kind and its fields."""

    person_id: str
    kind: str
    fields: StoredFields


@dataclass(frozen=True)
class Snapshot:
    """A person's facts as read, and their version (how many facts they hold)."""

    facts: PersonFacts
    version: int


@dataclass(frozen=True)
class Stored:
    """A decision as stored, and its revision: a write names the revision it replaces."""

    decision: Decision
    revision: int
    # The trace that wrote it, when traced: for a link to the trace viewer.
    trace_id: str | None = None


@dataclass(frozen=True)
class DecisionWrite:
    """A decision made from facts of `facts_version`, to store in place of `replaces` (None:
    there was no decision)."""

    decision: Decision
    facts_version: int
    replaces: Stored | None


@dataclass(frozen=True)
class Job:
    """A long operation's progress (a bulk re-evaluation), readable while it runs."""

    job_id: str
    kind: str
    centre_id: str
    state: str
    total: int
    done: int
    changed: int
    started_at: datetime
    finished_at: datetime | None


class EligibilityStore(Protocol):
    """Each person's facts (one aggregate, versioned) and each (person, centre) decision."""

    async def add_fact(self, *, event_id: str, fact: RecordedFact) -> Snapshot | None:
        """Adds a fact once per event id; returns the person's facts, with it. None when the
        person was erased: the fact is not stored."""
        ...

    async def facts_of(self, person_id: str) -> Snapshot: ...

    async def facts_of_many(self, person_ids: Sequence[str]) -> dict[str, Snapshot]:
        """Several persons' facts in one query, by person (absent: no fact yet)."""
        ...

    def all_facts(self, *, batch: int) -> AsyncIterator[list[Snapshot]]:
        """Every person's facts, streamed in batches (one pass for a bulk job)."""
        ...

    async def count_persons(self) -> int:
        """An estimate, for progress reports."""
        ...

    async def decision(self, person_id: str, centre_id: str) -> Decision | None: ...

    async def stored(self, person_id: str, centre_id: str) -> Stored | None: ...

    async def decisions_of(self, person_id: str) -> dict[str, Stored]:
        """A person's decisions, by centre."""
        ...

    async def decisions_at(self, centre_id: str) -> dict[str, Stored]:
        """A centre's decisions, by person (read in big batches: it can be everyone)."""
        ...

    async def save_decisions(self, writes: Sequence[DecisionWrite], *, at: datetime) -> set[str]:
        """Stores each decision unless the one it replaces was replaced meanwhile (by someone
        who read newer facts or a newer policy); returns the persons whose writes may have
        lost, for their decider to decide again from what is stored now."""
        ...

    async def eligible_at(self, centre_id: str) -> list[str]: ...

    async def due_for_review(self, today: date, *, limit: int) -> list[Decision]:
        """Decisions the clock may have changed: their review day has come."""
        ...

    async def due_on(self, day: date, *, limit: int) -> list[Decision]:
        """Decisions whose review day is exactly `day`."""
        ...

    async def claim_review(self, claim: str, *, at: datetime) -> bool:
        """One replica wins each review claim."""
        ...

    async def erase_person(
        self, person_id: str, *, now: datetime, correlation_id: str
    ) -> dict[str, int]:
        """Deletes the person's facts, decisions and review claims. Their facts become a
        tombstone (id and when, nothing else), so a fact still on its way is not stored
        again; counts what held data."""
        ...


class PolicyStore(Protocol):
    """Centre policies, versioned: a version number is claimed by one writer."""

    async def current(self, centre_id: str) -> Policy: ...

    async def add_version(self, policy: Policy, *, at: datetime) -> bool:
        """False when that version number was taken by a concurrent change."""
        ...

    async def make_current(self, policy: Policy) -> None: ...

    async def history(self, centre_id: str) -> list[Policy]: ...

    async def concerning(self, centres: Collection[str], *, graduate: bool) -> dict[str, Policy]:
        """The current policies of these centres and, for a graduate, of every centre open to
        network graduates, by centre."""
        ...


class JobStore(Protocol):
    async def start(
        self, *, job_id: str, kind: str, centre_id: str, total: int, at: datetime
    ) -> None:
        """Creates the job, or restarts its counters if a redelivery runs it again."""
        ...

    async def progress(
        self, job_id: str, *, done: int, total: int, changed: int, at: datetime
    ) -> None: ...

    async def finish(self, job_id: str, *, done: int, changed: int, at: datetime) -> None: ...

    async def get(self, job_id: str) -> Job | None: ...
