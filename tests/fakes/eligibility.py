"""Eligibility's stores in memory: the Protocols of peerlink_eligibility.service_layer.ports,
with the real adapters' contracts (a fact once per event id, an erased person's facts never
stored again, a decision write that names a replaced revision loses if it is not current,
a policy version claimed once, the current policy only moving forward)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from peerlink_eligibility.bootstrap import use_cases
from peerlink_eligibility.domain.decision import Decision
from peerlink_eligibility.domain.facts import Fact, fold_facts
from peerlink_eligibility.domain.policy import Policy, default_policy
from peerlink_eligibility.service_layer.announcements import Trigger
from peerlink_eligibility.service_layer.fact_types import read_fact, record_of
from peerlink_eligibility.service_layer.ports import (
    DecisionWrite,
    Job,
    RecordedFact,
    Snapshot,
    Stored,
)
from peerlink_eligibility.service_layer.preview_facts import PreviewFacts
from peerlink_shared.contracts import (
    CravingCheckInRecorded,
    EligibilityChanged,
    ProgrammeEnded,
    SobrietyMilestoneRecorded,
    VolunteeringChanged,
)
from peerlink_shared.contracts.base import Payload
from peerlink_shared.messaging.envelope import Envelope
from peerlink_shared.messaging.topics import Topics

from tests.fakes.clock import MovableClock
from tests.fakes.outbox import RecordingOutbox


@dataclass
class _Person:
    facts: list[RecordedFact] = field(default_factory=list)
    event_ids: set[str] = field(default_factory=set)
    erased: bool = False


class InMemoryEligibilityStore:
    def __init__(self) -> None:
        self.persons: dict[str, _Person] = {}
        self.decisions: dict[tuple[str, str], Stored] = {}
        self.claims: set[str] = set()
        # Runs at the start of each save_decisions: a test's stand-in for another decider
        # writing between this one's read and its write.
        self.before_save: Callable[[], None] | None = None
        self.saves = 0

    async def add_fact(self, *, event_id: str, fact: RecordedFact) -> Snapshot | None:
        person = self.persons.setdefault(fact.person_id, _Person())
        if person.erased:
            return None
        if event_id not in person.event_ids:
            person.facts.append(fact)
            person.event_ids.add(event_id)
        return self._snapshot(fact.person_id)

    def _snapshot(self, person_id: str) -> Snapshot:
        person = self.persons.get(person_id, _Person())
        read = (read_fact(fact.kind, fact.fields) for fact in person.facts)
        facts: list[Fact] = [fact for fact in read if fact is not None]
        return Snapshot(fold_facts(person_id, facts), len(person.facts))

    async def facts_of(self, person_id: str) -> Snapshot:
        return self._snapshot(person_id)

    async def facts_of_many(self, person_ids: Sequence[str]) -> dict[str, Snapshot]:
        return {p: self._snapshot(p) for p in person_ids if p in self.persons}

    async def all_facts(self, *, batch: int) -> AsyncIterator[list[Snapshot]]:
        living = [p for p, person in sorted(self.persons.items()) if not person.erased]
        for start in range(0, len(living), batch):
            yield [self._snapshot(p) for p in living[start : start + batch]]

    async def count_persons(self) -> int:
        return len(self.persons)

    async def decision(self, person_id: str, centre_id: str) -> Decision | None:
        stored = self.decisions.get((person_id, centre_id))
        return None if stored is None else stored.decision

    async def stored(self, person_id: str, centre_id: str) -> Stored | None:
        return self.decisions.get((person_id, centre_id))

    async def decisions_of(self, person_id: str) -> dict[str, Stored]:
        return {c: s for (p, c), s in self.decisions.items() if p == person_id}

    async def decisions_at(self, centre_id: str) -> dict[str, Stored]:
        return {p: s for (p, c), s in self.decisions.items() if c == centre_id}

    async def save_decisions(self, writes: Sequence[DecisionWrite], *, at: datetime) -> set[str]:
        self.saves += 1
        if self.before_save is not None:
            self.before_save()
        lost: set[str] = set()
        for write in writes:
            key = (write.decision.person_id, write.decision.centre_id)
            current = self.decisions.get(key)
            if (write.replaces is None and current is not None) or (
                write.replaces is not None
                and (current is None or current.revision != write.replaces.revision)
            ):
                lost.add(key[0])
            else:
                revision = (write.replaces.revision if write.replaces else 0) + 1
                self.decisions[key] = Stored(write.decision, revision)
        return lost

    def overwrite(self, decision: Decision) -> None:
        """Another decider's write: a new revision of the decision."""
        key = (decision.person_id, decision.centre_id)
        current = self.decisions.get(key)
        self.decisions[key] = Stored(decision, (current.revision if current else 0) + 1)

    async def eligible_at(self, centre_id: str) -> list[str]:
        found = await self.decisions_at(centre_id)
        return sorted(p for p, stored in found.items() if stored.decision.eligible)

    async def due_for_review(self, today: date, *, limit: int) -> list[Decision]:
        due = [
            s.decision
            for s in self.decisions.values()
            if s.decision.review_on is not None and s.decision.review_on <= today
        ]
        return sorted(due, key=lambda d: d.review_on or today)[:limit]

    async def due_on(self, day: date, *, limit: int) -> list[Decision]:
        return [s.decision for s in self.decisions.values() if s.decision.review_on == day][:limit]

    async def claim_review(self, claim: str, *, at: datetime) -> bool:
        if claim in self.claims:
            return False
        self.claims.add(claim)
        return True

    async def erase_person(
        self, person_id: str, *, now: datetime, correlation_id: str
    ) -> dict[str, int]:
        before = self.persons.get(person_id)
        self.persons[person_id] = _Person(erased=True)
        decisions = [key for key in self.decisions if key[0] == person_id]
        for key in decisions:
            del self.decisions[key]
        claims = {claim for claim in self.claims if claim.startswith(f"{person_id}:")}
        self.claims -= claims
        return {
            "person_facts": int(before is not None and not before.erased),
            "decisions": len(decisions),
            "review_claims": len(claims),
        }


class InMemoryPolicies:
    def __init__(self) -> None:
        self.versions: dict[tuple[str, int], Policy] = {}
        self.currents: dict[str, Policy] = {}

    async def current(self, centre_id: str) -> Policy:
        return self.currents.get(centre_id, default_policy(centre_id))

    async def add_version(self, policy: Policy, *, at: datetime) -> bool:
        key = (policy.centre_id, policy.version)
        if key in self.versions:
            return False
        self.versions[key] = policy
        return True

    async def make_current(self, policy: Policy) -> None:
        current = self.currents.get(policy.centre_id)
        if current is None or current.version < policy.version:
            self.currents[policy.centre_id] = policy

    async def history(self, centre_id: str) -> list[Policy]:
        return [p for (c, _), p in sorted(self.versions.items()) if c == centre_id]

    async def concerning(self, centres: Collection[str], *, graduate: bool) -> dict[str, Policy]:
        found = {centre: await self.current(centre) for centre in centres}
        if graduate:
            found |= {c: p for c, p in self.currents.items() if p.accept_network_graduates}
        return found


class InMemoryJobs:
    def __init__(self) -> None:
        self.jobs: dict[str, Job] = {}
        self.runs: dict[str, int] = {}
        self.progress_seen: list[tuple[int, int, int]] = []

    async def start(
        self, *, job_id: str, kind: str, centre_id: str, total: int, at: datetime
    ) -> None:
        self.runs[job_id] = self.runs.get(job_id, 0) + 1
        self.jobs[job_id] = Job(job_id, kind, centre_id, "running", total, 0, 0, at, None)

    async def progress(
        self, job_id: str, *, done: int, total: int, changed: int, at: datetime
    ) -> None:
        self.progress_seen.append((done, total, changed))
        self.jobs[job_id] = replace(self.jobs[job_id], done=done, total=total, changed=changed)

    async def finish(self, job_id: str, *, done: int, changed: int, at: datetime) -> None:
        job = self.jobs[job_id]
        self.jobs[job_id] = replace(job, state="done", done=done, changed=changed, finished_at=at)

    async def get(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)


START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class FakeEligibility:
    """Eligibility's use cases as bootstrap wires them, over the stores above, a recording
    outbox and a clock the test moves."""

    def __init__(self, *, preview_max_age: timedelta = timedelta(seconds=30)) -> None:
        self.clock = MovableClock(START)
        self.store = InMemoryEligibilityStore()
        self.policies = InMemoryPolicies()
        self.jobs = InMemoryJobs()
        self.outbox = RecordingOutbox()
        self.topics = Topics()
        self.preview_facts = PreviewFacts(max_age=preview_max_age)
        self.cases = use_cases(
            repository=self.store,
            policies=self.policies,
            jobs=self.jobs,
            outbox=self.outbox,
            topics=self.topics,
            clock=self.clock,
            preview_facts=self.preview_facts,
        )

    async def record(self, payload: Payload, *, event_id: str) -> bool:
        """As the consumer does with an event about a person (correlation: `flow-<id>`)."""
        trigger = Trigger(event_id, f"flow-{event_id}")
        return await self.cases.recording.record(record_of(payload), trigger=trigger)

    def changes(self) -> list[Envelope]:
        return self.outbox.on(self.topics.eligibility_changes)

    def changed(self) -> list[tuple[str, str, bool]]:
        """(person, centre, eligible) of each EligibilityChanged published, in order."""
        said = [EligibilityChanged.model_validate(e.data) for e in self.changes()]
        return [(c.person_id, c.centre_id, c.eligible) for c in said]


def graduate_facts(
    person_id: str, centre_id: str, *, today: date, sober_days: int = 500
) -> list[Payload]:
    """Facts that make a person eligible at their centre under the default policy (given
    `sober_days` of at least 365)."""
    return [
        ProgrammeEnded(
            person_id=person_id, centre_id=centre_id, ended_on=date(2024, 1, 1), outcome="completed"
        ),
        SobrietyMilestoneRecorded(
            person_id=person_id,
            sober_since=today - timedelta(days=sober_days),
            days=sober_days,
            recorded_on=today,
        ),
        CravingCheckInRecorded(person_id=person_id, level=1, checked_on=today),
        VolunteeringChanged(person_id=person_id, volunteering=True, changed_on=today),
    ]
