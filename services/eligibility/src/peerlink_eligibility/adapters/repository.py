"""Eligibility's MongoDB collections: facts (one document per event) and decisions."""

from __future__ import annotations

from collections import defaultdict
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
    """A person's facts as read, and how many documents they came from (to spot a race)."""

    facts: PersonFacts
    fact_count: int


class EligibilityRepository:
    def __init__(self, db: Database) -> None:
        self._facts = db["facts"]
        self._decisions = db["decisions"]
        self._reviews = db["review_claims"]

    async def ensure_indexes(self) -> None:
        await self._facts.create_index([("person_id", 1)])
        await self._facts.create_index([("kind", 1), ("centre_id", 1)])
        await self._decisions.create_index([("person_id", 1)])
        await self._decisions.create_index([("centre_id", 1), ("eligible", 1)])
        await self._decisions.create_index([("review_on", 1)])

    async def add_fact(self, *, event_id: str, person_id: str, kind: str, fields: Document) -> None:
        """One document per event id: storing the same event twice changes nothing."""
        await insert_once(
            self._facts, {"_id": event_id, "person_id": person_id, "kind": kind, **fields}
        )

    async def facts_of(self, person_id: str) -> Snapshot:
        return (await self.facts_of_many([person_id]))[person_id]

    async def facts_of_many(self, person_ids: list[str]) -> dict[str, Snapshot]:
        found: dict[str, list[Fact]] = defaultdict(list)
        counts: dict[str, int] = defaultdict(int)
        async for doc in self._facts.find({"person_id": {"$in": person_ids}}):
            counts[doc["person_id"]] += 1
            fact = _fact(doc)
            if fact is not None:
                found[doc["person_id"]].append(fact)
        return {
            person_id: Snapshot(fold_facts(person_id, found[person_id]), counts[person_id])
            for person_id in person_ids
        }

    async def count_facts(self, person_id: str) -> int:
        return await self._facts.count_documents({"person_id": person_id})

    async def graduates(self, *, of_centre: str | None) -> list[str]:
        """Persons with a completed programme (at one centre, or anywhere), sorted."""
        query: Document = {"kind": "completion"}
        if of_centre is not None:
            query["centre_id"] = of_centre
        return sorted(await self._facts.distinct("person_id", query))

    async def decided_at(self, centre_id: str) -> list[str]:
        return sorted(await self._decisions.distinct("person_id", {"centre_id": centre_id}))

    async def decisions_of(self, person_id: str) -> dict[str, Decision]:
        return {
            doc["centre_id"]: _decision(doc)
            async for doc in self._decisions.find({"person_id": person_id})
        }

    async def decisions_at(self, centre_id: str, person_ids: list[str]) -> dict[str, Decision]:
        cursor = self._decisions.find({"centre_id": centre_id, "person_id": {"$in": person_ids}})
        return {doc["person_id"]: _decision(doc) async for doc in cursor}

    async def save_decision(self, decision: Decision, *, at: datetime) -> None:
        await self._decisions.update_one(
            {"_id": f"{decision.person_id}:{decision.centre_id}"},
            {
                "$set": {
                    "person_id": decision.person_id,
                    "centre_id": decision.centre_id,
                    "eligible": decision.eligible,
                    "reasons": [reason.value for reason in decision.reasons],
                    "eligible_from": _iso(decision.eligible_from),
                    "review_on": _iso(decision.review_on),
                    "policy_version": decision.policy_version,
                    "decided_at": at,
                }
            },
            upsert=True,
        )

    async def eligible_at(self, centre_id: str) -> list[str]:
        cursor = self._decisions.find({"centre_id": centre_id, "eligible": True})
        return [doc["person_id"] async for doc in cursor.sort("person_id", 1)]

    async def due_for_review(self, today: date, *, limit: int) -> list[Decision]:
        """Decisions the clock may have changed: their review day has come."""
        cursor = self._decisions.find({"review_on": {"$lte": today.isoformat()}})
        return [_decision(doc) async for doc in cursor.sort("review_on", 1).limit(limit)]

    async def claim_review(self, claim: str, *, at: datetime) -> bool:
        """One replica wins each review claim (unique insert)."""
        return await insert_once(self._reviews, {"_id": claim, "claimed_at": at})


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
