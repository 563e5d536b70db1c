"""Eligibility's MongoDB collections: facts (one document per event) and decisions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime

from peerlink_shared.mongo import Database, Document, insert_once

from peerlink_eligibility.domain.decision import Decision, Reason
from peerlink_eligibility.domain.facts import (
    BackgroundCheck,
    Completion,
    ConsentChange,
    CravingCheckIn,
    Discharge,
    Fact,
    PersonFacts,
    Relapse,
    SobrietyDate,
    Training,
    fold_facts,
)


@dataclass(frozen=True)
class Snapshot:
    """A person's facts as read, and their version (how many facts) to spot a race."""

    facts: PersonFacts
    version: int


class EligibilityRepository:
    """One document per person holds their facts (written only by that person's consumer);
    one document per (person, centre) holds a decision.

    Every hot path reads and writes by `_id`: FerretDB v1 (SQLite) answers other filters by
    scanning the collection. Listing a centre's decisions is a scan; bulk jobs and reads
    that need one do it once, not per person.
    """

    def __init__(self, db: Database) -> None:
        self._facts = db["person_facts"]
        self._decisions = db["decisions"]
        self._reviews = db["review_claims"]

    async def ensure_indexes(self) -> None:
        await self._decisions.create_index([("centre_id", 1), ("eligible", 1)])
        await self._decisions.create_index([("review_on", 1)])

    async def add_fact(self, *, event_id: str, person_id: str, kind: str, fields: Document) -> bool:
        """Adds a fact once per event id; False if it was there. Single writer per person."""
        doc = await self._facts.find_one({"_id": person_id}, {"event_ids": 1})
        if doc is not None and event_id in doc.get("event_ids", []):
            return False
        await self._facts.update_one(
            {"_id": person_id},
            {
                "$push": {"facts": {"kind": kind, **fields}, "event_ids": event_id},
                "$inc": {"version": 1},
            },
            upsert=True,
        )
        return True

    async def facts_of(self, person_id: str) -> Snapshot:
        doc = await self._facts.find_one({"_id": person_id})
        return _snapshot(person_id, doc)

    async def facts_version(self, person_id: str) -> int:
        doc = await self._facts.find_one({"_id": person_id}, {"version": 1})
        return int(doc["version"]) if doc else 0

    async def all_facts(self, *, batch: int) -> AsyncIterator[list[Snapshot]]:
        """Every person's facts, streamed in batches (one scan for a bulk job)."""
        found: list[Snapshot] = []
        async for doc in self._facts.find({}).batch_size(batch):
            found.append(_snapshot(doc["_id"], doc))
            if len(found) >= batch:
                yield found
                found = []
        if found:
            yield found

    async def count_persons(self) -> int:
        return await self._facts.estimated_document_count()

    async def decision(self, person_id: str, centre_id: str) -> Decision | None:
        doc = await self._decisions.find_one({"_id": f"{person_id}:{centre_id}"})
        return None if doc is None else _decision(doc)

    async def decisions_of(self, person_id: str) -> list[Decision]:
        """Every centre's decision for a person (a scan: an ops read, not a hot path)."""
        cursor = self._decisions.find({"person_id": person_id})
        return sorted([_decision(doc) async for doc in cursor], key=lambda d: d.centre_id)

    async def decisions_at(self, centre_id: str) -> dict[str, Decision]:
        cursor = self._decisions.find({"centre_id": centre_id})
        return {doc["person_id"]: _decision(doc) async for doc in cursor}

    async def save_decision(self, decision: Decision, *, facts_version: int, at: datetime) -> bool:
        """Writes unless a decision made from newer facts is stored; False if it was.

        Read, compare, write by `_id` alone: a filter on any other field makes FerretDB scan
        the collection on every write. The window between read and write is the one
        FerretDB's own non-atomic updates leave anyway.
        """
        key = f"{decision.person_id}:{decision.centre_id}"
        stored = await self._decisions.find_one({"_id": key}, {"facts_version": 1})
        if stored is not None and int(stored.get("facts_version", 0)) > facts_version:
            return False
        fields = {
            "person_id": decision.person_id,
            "centre_id": decision.centre_id,
            "eligible": decision.eligible,
            "reasons": [reason.value for reason in decision.reasons],
            "eligible_from": _iso(decision.eligible_from),
            "review_on": _iso(decision.review_on),
            "policy_version": decision.policy_version,
            "facts_version": facts_version,
            "decided_at": at,
        }
        if stored is None and await insert_once(self._decisions, {"_id": key, **fields}):
            return True
        await self._decisions.update_one({"_id": key}, {"$set": fields})
        return True

    async def eligible_at(self, centre_id: str) -> list[str]:
        cursor = self._decisions.find({"centre_id": centre_id, "eligible": True})
        return sorted([doc["person_id"] async for doc in cursor])

    async def due_for_review(self, today: date, *, limit: int) -> list[Decision]:
        """Decisions the clock may have changed: their review day has come."""
        cursor = self._decisions.find({"review_on": {"$lte": today.isoformat()}})
        return [_decision(doc) async for doc in cursor.sort("review_on", 1).limit(limit)]

    async def claim_review(self, claim: str, *, at: datetime) -> bool:
        """One replica wins each review claim (unique insert)."""
        return await insert_once(self._reviews, {"_id": claim, "claimed_at": at})


def _snapshot(person_id: str, doc: Document | None) -> Snapshot:
    if doc is None:
        return Snapshot(fold_facts(person_id, []), 0)
    facts = [fact for fact in map(_fact, doc.get("facts", [])) if fact is not None]
    return Snapshot(fold_facts(person_id, facts), int(doc.get("version", 0)))


def _iso(day: date | None) -> str | None:
    # ISO dates sort as strings, which is what the review query needs.
    return day.isoformat() if day else None


def _day(value: str) -> date:
    return date.fromisoformat(value)


def _fact(doc: Document) -> Fact | None:
    """Facts the rule reads; other kinds (admissions) are kept for later policies."""
    match doc["kind"]:
        case "completion":
            return Completion(doc["centre_id"], _day(doc["ended_on"]))
        case "discharge":
            return Discharge(doc["centre_id"], _day(doc["discharged_on"]))
        case "sobriety":
            return SobrietyDate(_day(doc["sober_since"]))
        case "relapse":
            return Relapse(_day(doc["relapsed_on"]))
        case "check_in":
            return CravingCheckIn(_day(doc["checked_on"]), int(doc["level"]))
        case "consent":
            return ConsentChange(_day(doc["changed_on"]), bool(doc["volunteering"]))
        case "training":
            return Training(_day(doc["completed_on"]), _day(doc["expires_on"]))
        case "background_check":
            return BackgroundCheck(_day(doc["cleared_on"]), _day(doc["expires_on"]))
    return None


def _decision(doc: Document) -> Decision:
    return Decision(
        person_id=doc["person_id"],
        centre_id=doc["centre_id"],
        eligible=bool(doc["eligible"]),
        reasons=tuple(Reason(code) for code in doc["reasons"]),
        eligible_from=_day(doc["eligible_from"]) if doc.get("eligible_from") else None,
        review_on=_day(doc["review_on"]) if doc.get("review_on") else None,
        policy_version=int(doc.get("policy_version", 0)),
    )
