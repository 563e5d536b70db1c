"""Eligibility: a person's facts and decisions by `_id` per event, a centre's decisions per
policy job and request, policies per event, and the clock's review query."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

from peerlink_eligibility.adapters.jobs import JobRepository
from peerlink_eligibility.adapters.policies import PolicyRepository
from peerlink_eligibility.adapters.repository import EligibilityRepository
from peerlink_eligibility.domain.decision import Decision, Reason
from peerlink_eligibility.domain.policy import Policy
from peerlink_eligibility.service_layer.ports import DecisionWrite, RecordedFact, Stored
from peerlink_shared.storage.mongo import Database, Document

from tests.hot_lookups.model import BASE, BY_ID, Lookup, Seed, Store, Twin, person

# Decisions due for review: the first few only, at every size.
DUE = 20
TODAY = date(2029, 12, 1)


def centre(i: int) -> str:
    return f"c{i:07d}"


def decided_person(i: int) -> str:
    """Two decisions per person..."""
    return person(i // 2)


def decided_centre(i: int) -> str:
    """...at two centres, each with 50 decisions."""
    return f"c{i // 100:05d}{'ab'[i % 2]}"


def facts(i: int) -> Document:
    kinds = [
        {"kind": "completion", "centre_id": "c00000a", "ended_on": "2024-01-01"},
        {"kind": "sobriety", "sober_since": "2024-01-01"},
        {"kind": "check_in", "checked_on": "2029-11-30", "level": 1},
        {"kind": "consent", "changed_on": "2024-02-01", "volunteering": True},
    ]
    return {
        "_id": person(i),
        "facts": kinds,
        "event_ids": [f"evt-{i}-{n}" for n in range(len(kinds))],
        "version": len(kinds),
    }


def decision(i: int) -> Document:
    eligible = i % 3 == 0
    return {
        "_id": f"{decided_person(i)}:{decided_centre(i)}",
        "person_id": decided_person(i),
        "centre_id": decided_centre(i),
        "eligible": eligible,
        "reasons": [] if eligible else [Reason.SOBER_TOO_SHORT.value],
        "eligible_from": None if eligible else "2030-06-01",
        "review_on": "2029-01-01" if i < DUE else "2031-01-01",
        "policy_version": 0,
        "facts_version": 4,
        "decided_at": BASE,
    }


def policy(i: int) -> Document:
    # Few centres open to network graduates, at every size.
    current = Policy(centre_id=centre(i), version=1, accept_network_graduates=i < 20)
    return {"_id": centre(i), **asdict(current)}


def policy_version(i: int) -> Document:
    version = Policy(centre_id=centre(i // 5), version=i % 5 + 1)
    return {"_id": f"{version.centre_id}:v{version.version}", **asdict(version), "changed_at": BASE}


def job(i: int) -> Document:
    return {
        "_id": f"job-{i:08d}",
        "kind": "policy_reevaluation",
        "centre_id": centre(i),
        "state": "done",
        "total": 10,
        "done": 10,
        "changed": 1,
        "runs": 1,
        "started_at": BASE,
        "updated_at": BASE,
        "finished_at": BASE,
    }


def decided(k: int) -> DecisionWrite:
    """A changed decision, replacing the seeded one."""
    seeded = Decision(
        person_id=decided_person(k),
        centre_id=decided_centre(k),
        eligible=False,
        reasons=(Reason.SOBER_TOO_SHORT,),
        eligible_from=date(2030, 6, 1),
        review_on=date(2031, 1, 1),
        policy_version=0,
    )
    changed = Decision(
        person_id=seeded.person_id,
        centre_id=seeded.centre_id,
        eligible=True,
        reasons=(),
        eligible_from=None,
        review_on=None,
        policy_version=1,
    )
    return DecisionWrite(changed, facts_version=5, replaces=Stored(seeded, revision=0))


async def prepare(db: Database) -> None:
    await EligibilityRepository(db).ensure_indexes()
    await PolicyRepository(db).ensure_indexes()


BY_CENTRE = Twin("centre_id_1_eligible_1")
SCAN_REVIEW = (
    "$lte (and the sort) are not pushed down by FerretDB v1: every decision is read, at "
    "start and once an hour, by every replica (other passes look up the last 7 days by day)"
)

STORE = Store(
    service="eligibility",
    prepare=prepare,
    seeds=(
        Seed("person_facts", facts),
        Seed("decisions", decision),
        Seed("policies", policy),
        Seed("policy_versions", policy_version),
        Seed("jobs", job),
    ),
    lookups=(
        Lookup(
            "a person's facts (per event)",
            lambda db, k: EligibilityRepository(db).facts_of(person(k)),
            (BY_ID,),
        ),
        Lookup(
            "add a fact (find-and-modify by _id, per event)",
            lambda db, k: EligibilityRepository(db).add_fact(
                event_id=f"evt-added-{k}",
                fact=RecordedFact(person(k), "check_in", {"checked_on": "2029-12-01", "level": 1}),
            ),
            (BY_ID,),
        ),
        Lookup(
            "decision of a person at a centre (per request)",
            lambda db, k: EligibilityRepository(db).decision(decided_person(k), decided_centre(k)),
            (BY_ID,),
        ),
        Lookup(
            "save a changed decision (update by _id and revision)",
            lambda db, k: EligibilityRepository(db).save_decisions([decided(k)], at=BASE),
            (BY_ID,),
        ),
        Lookup(
            "decisions at a centre (per policy job)",
            lambda db, k: EligibilityRepository(db).decisions_at(decided_centre(k)),
            (BY_CENTRE,),
        ),
        Lookup(
            "eligible supporters at a centre (per request)",
            lambda db, k: EligibilityRepository(db).eligible_at(decided_centre(k)),
            (BY_CENTRE,),
        ),
        Lookup(
            "decisions of a person (per event, per ops request)",
            lambda db, k: EligibilityRepository(db).decisions_of(decided_person(k)),
            (Twin("person_id_1"),),
        ),
        Lookup(
            "decisions due for review on a day (clock, every interval, for the last 7 days)",
            lambda db, k: EligibilityRepository(db).due_on(TODAY, limit=500),
            (Twin("review_on_1"),),
        ),
        Lookup(
            "every decision due for review (clock, at start and hourly)",
            lambda db, k: EligibilityRepository(db).due_for_review(TODAY, limit=500),
            (),
            scan=SCAN_REVIEW,
        ),
        Lookup(
            "a centre's current policy (per event)",
            lambda db, k: PolicyRepository(db).current(centre(k)),
            (BY_ID,),
        ),
        Lookup(
            "centres open to network graduates (per event)",
            lambda db, k: PolicyRepository(db).open_to_network(),
            (Twin("accept_network_graduates_1"),),
        ),
        Lookup(
            "a centre's policy versions (per request)",
            lambda db, k: PolicyRepository(db).history(centre(k // 5)),
            (Twin("centre_id_1_version_1"),),
        ),
        Lookup(
            "a job's progress (per request, per batch)",
            lambda db, k: JobRepository(db).get(f"job-{k:08d}"),
            (BY_ID,),
        ),
    ),
)
