"""Re-deciding, in bulk, everyone a centre's new policy may concern.

One query for the centre's decisions, one pass over every person's facts; per batch of
persons, one insert of the announcements (outbox first), one of the new decisions, and the
changed ones as updates, a few to a command. One batch's writes run while the next batch
is read and decided. A write that loses to another decider (the person's own event, a clock
review) sends that person through the person path, which decides again from what is stored
and corrects anything this job announced.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from peerlink_shared.clock import Clock

from peerlink_eligibility.domain.decision import Decision, concerns, decide
from peerlink_eligibility.domain.policy import Policy
from peerlink_eligibility.service_layer.announcements import Announcements, Trigger
from peerlink_eligibility.service_layer.ports import (
    DecisionWrite,
    EligibilityStore,
    Snapshot,
    Stored,
)
from peerlink_eligibility.service_layer.reevaluation import Reevaluator, is_news

BATCH = 1000
Progress = Callable[[int, int, int], Awaitable[None]]  # done, total, changed


@dataclass(frozen=True)
class _Batch:
    """What one batch of persons needs written."""

    persons: int
    decided: int
    writes: list[DecisionWrite]
    announced: list[Decision]


@dataclass
class _Tally:
    done: int = 0
    decided: int = 0
    changed: int = 0
    # Persons whose write lost, and what this job announced for them (None: nothing).
    lost: dict[str, Decision | None] = field(default_factory=dict)

    def add(self, batch: _Batch, lost: set[str]) -> None:
        self.done += batch.persons
        self.decided += batch.decided
        self.changed += len(batch.announced)
        announced = {decision.person_id: decision for decision in batch.announced}
        self.lost |= {person_id: announced.get(person_id) for person_id in lost}


def plan(
    snapshots: Sequence[Snapshot], policy: Policy, stored: Mapping[str, Stored], today: date
) -> _Batch:
    """Decides the persons the policy may concern; keeps what must be announced or written."""
    decided = 0
    writes: list[DecisionWrite] = []
    announced: list[Decision] = []
    for snapshot in snapshots:
        previous = stored.get(snapshot.facts.person_id)
        facts = snapshot.facts
        if previous is None and not concerns(facts, policy):
            continue
        decided += 1
        decision = decide(snapshot.facts, policy, today)
        before = previous.decision if previous else None
        news = is_news(decision, before, None)
        if news:
            announced.append(decision)
        # Unchanged decisions are left alone, but their review day is kept current so the
        # clock finds them, and the days their time-based criteria hold so they read true.
        if news or before is None or _dates(before) != _dates(decision):
            writes.append(DecisionWrite(decision, snapshot.version, previous))
    return _Batch(len(snapshots), decided, writes, announced)


def _dates(decision: Decision) -> tuple[object, ...]:
    return (decision.review_on, decision.holds_from)


async def _read_ahead(batches: AsyncIterator[list[Snapshot]]) -> AsyncIterator[list[Snapshot]]:
    """Yields each batch once the read of the next one is under way, so the database works
    on it while this batch is decided."""
    ahead = asyncio.ensure_future(anext(batches, None))
    try:
        while (batch := await ahead) is not None:
            ahead = asyncio.ensure_future(anext(batches, None))
            await asyncio.sleep(0)  # lets the read send its request before we decide
            yield batch
    finally:
        ahead.cancel()


class CentreReevaluation:
    def __init__(
        self,
        *,
        repository: EligibilityStore,
        announcements: Announcements,
        reevaluator: Reevaluator,
        clock: Clock,
    ) -> None:
        self._repository = repository
        self._announcements = announcements
        self._reevaluator = reevaluator
        self._clock = clock

    async def run(self, policy: Policy, *, trigger: Trigger, progress: Progress) -> tuple[int, int]:
        """Returns (persons decided, decisions announced as changed)."""
        stored = await self._repository.decisions_at(policy.centre_id)
        total = await self._repository.count_persons()
        today = self._clock.today()
        tally = _Tally()
        await progress(0, total, 0)
        async with asyncio.TaskGroup() as group:
            writing: tuple[_Batch, asyncio.Task[set[str]]] | None = None
            async for snapshots in _read_ahead(self._repository.all_facts(batch=BATCH)):
                batch = plan(snapshots, policy, stored, today)
                if writing is not None:
                    tally.add(writing[0], await writing[1])
                    await progress(tally.done, max(total, tally.done), tally.changed)
                writing = (batch, group.create_task(self._write(batch, trigger)))
            if writing is not None:
                tally.add(writing[0], await writing[1])
                await progress(tally.done, max(total, tally.done), tally.changed)
        for person_id, announced in sorted(tally.lost.items()):
            told = {policy.centre_id: announced} if announced else None
            await self._reevaluator.person(
                person_id, trigger=trigger.again(), also=[policy.centre_id], told=told
            )
        return tally.decided, tally.changed

    async def _write(self, batch: _Batch, trigger: Trigger) -> set[str]:
        await self._announcements.record(batch.announced, trigger)
        return await self._repository.save_decisions(batch.writes, at=self._clock.now())
