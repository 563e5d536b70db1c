"""Re-deciding a person: after a fact, a clock review, or a bulk write that lost.

Each person's events are handled by one consumer (Kafka key = person id), but a bulk job
or a clock review can race with it. Every decision write names the revision it replaces,
and the person's own path writes every decision it makes, changed or not: so of two
deciders the one that read older facts or an older policy loses its write, and decides
again from what is stored now, telling consumers if it had told them something else.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from datetime import date

import structlog
from peerlink_shared.clock import Clock

from peerlink_eligibility.domain.decision import Decision, centres_to_decide, decide
from peerlink_eligibility.domain.policy import Policy
from peerlink_eligibility.service_layer.announcements import Announcements, Trigger
from peerlink_eligibility.service_layer.ports import (
    DecisionWrite,
    EligibilityStore,
    PolicyStore,
    Snapshot,
    Stored,
)

log = structlog.get_logger("peerlink.eligibility")
MAX_ROUNDS = 5


class DecisionContention(Exception):
    """A person's decisions kept changing under us; the caller's retry decides again."""


def is_news(decision: Decision, stored: Decision | None, told: Decision | None) -> bool:
    """Whether consumers must hear of a decision: it differs from the stored one (a first
    decision only if eligible: no decision reads as not eligible), or from what this flow
    told them before a write of its own lost."""
    quiet = not decision.eligible if stored is None else decision.same_outcome(stored)
    return not quiet or (told is not None and not decision.same_outcome(told))


class Reevaluator:
    def __init__(
        self,
        *,
        repository: EligibilityStore,
        policies: PolicyStore,
        announcements: Announcements,
        clock: Clock,
    ) -> None:
        self._repository = repository
        self._policies = policies
        self._announcements = announcements
        self._clock = clock

    async def person(
        self,
        person_id: str,
        *,
        trigger: Trigger,
        also: Iterable[str] = (),
        snapshot: Snapshot | None = None,
        told: Mapping[str, Decision] | None = None,
    ) -> list[Decision]:
        """Re-decides every centre that may concern the person (and `also` these), from
        `snapshot` if just read; announces what changed, and returns it. `told`: what this
        flow announced already, by centre, before its write lost."""
        announced, extra = dict(told or {}), frozenset(also)
        for _ in range(MAX_ROUNDS):
            snapshot = snapshot or await self._repository.facts_of(person_id)
            stored, policies = await self._read(snapshot, extra)
            decisions = _decide(snapshot, stored, policies, extra, self._clock.today())
            changed = [
                d for d in decisions if is_news(d, _stored(stored, d), announced.get(d.centre_id))
            ]
            await self._announcements.record(changed, trigger)
            # Written even when unchanged: the new revision makes a bulk job or a review that
            # read older facts lose its write instead of overwriting this one.
            version = snapshot.version
            writes = [DecisionWrite(d, version, stored.get(d.centre_id)) for d in decisions]
            if not await self._repository.save_decisions(writes, at=self._clock.now()):
                for decision in changed:
                    _log_change(decision)
                return changed
            log.info("decision_write_lost", person=person_id, round=trigger.round)
            announced |= {decision.centre_id: decision for decision in changed}
            snapshot, trigger = None, trigger.again()
        raise DecisionContention(person_id)

    async def _read(
        self, snapshot: Snapshot, also: frozenset[str]
    ) -> tuple[dict[str, Stored], dict[str, Policy]]:
        """The person's decisions and the policies of every centre that may concern them."""
        facts = snapshot.facts
        # A person concerns their own centres (each answers for its own people, graduate or
        # not) and, a graduate only while they share with the network, every centre open to it.
        own = facts.linked_centres
        shared = bool(facts.completions) and facts.shares_with_network
        async with asyncio.TaskGroup() as group:
            stored = group.create_task(self._repository.decisions_of(facts.person_id))
            policies = group.create_task(self._policies.concerning(own | also, graduate=shared))
        found = policies.result()
        if missing := stored.result().keys() - found.keys():
            # Decided where nothing else concerns them now (a centre closed to the network).
            found |= await self._policies.concerning(missing, graduate=False)
        return stored.result(), found


def _decide(
    snapshot: Snapshot,
    stored: dict[str, Stored],
    policies: dict[str, Policy],
    also: frozenset[str],
    today: date,
) -> list[Decision]:
    opened = [centre for centre, policy in policies.items() if policy.accept_network_graduates]
    centres = centres_to_decide(
        snapshot.facts, decided_before=stored.keys() | also, open_to_network=opened
    )
    return [decide(snapshot.facts, policies[centre], today) for centre in sorted(centres)]


def _stored(stored: dict[str, Stored], decision: Decision) -> Decision | None:
    found = stored.get(decision.centre_id)
    return found.decision if found else None


def _log_change(decision: Decision) -> None:
    log.info(
        "eligibility_changed",
        person=decision.person_id,
        centre=decision.centre_id,
        eligible=decision.eligible,
        # Reasons stay out of logs: they are clinical facts about a named person id.
        reason_count=len(decision.reasons),
        policy_version=decision.policy_version,
    )
