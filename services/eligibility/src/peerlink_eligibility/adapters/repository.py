"""Eligibility's MongoDB collections: facts per person (one document per event) and decisions."""

from __future__ import annotations

from datetime import date, datetime

from peerlink_shared.mongo import Database, Document, insert_once

from peerlink_eligibility.domain.decision import Decision, Reason
from peerlink_eligibility.domain.facts import (
    Completion,
    ConsentChange,
    Fact,
    PersonFacts,
    Relapse,
    SobrietyDate,
    fold_facts,
)


class EligibilityRepository:
    def __init__(self, db: Database) -> None:
        self._facts = db["facts"]
        self._decisions = db["decisions"]

    async def ensure_indexes(self) -> None:
        await self._facts.create_index([("person_id", 1)])
        await self._decisions.create_index([("person_id", 1)])
        await self._decisions.create_index([("centre_id", 1), ("eligible", 1)])

    async def add_fact(self, *, event_id: str, person_id: str, kind: str, fields: Document) -> None:
        """One document per event id: storing the same event twice changes nothing."""
        await insert_once(
            self._facts, {"_id": event_id, "person_id": person_id, "kind": kind, **fields}
        )

    async def facts_of(self, person_id: str) -> PersonFacts:
        facts: list[Fact] = []
        async for doc in self._facts.find({"person_id": person_id}):
            fact = _fact(doc)
            if fact is not None:
                facts.append(fact)
        return fold_facts(person_id, facts)

    async def decisions_of(self, person_id: str) -> dict[str, Decision]:
        return {
            doc["centre_id"]: _decision(doc)
            async for doc in self._decisions.find({"person_id": person_id})
        }

    async def save_decision(self, decision: Decision, *, at: datetime) -> None:
        await self._decisions.update_one(
            {"_id": f"{decision.person_id}:{decision.centre_id}"},
            {
                "$set": {
                    "person_id": decision.person_id,
                    "centre_id": decision.centre_id,
                    "eligible": decision.eligible,
                    "reasons": [reason.value for reason in decision.reasons],
                    "eligible_from": decision.eligible_from.isoformat()
                    if decision.eligible_from
                    else None,
                    "decided_at": at,
                }
            },
            upsert=True,
        )

    async def eligible_at(self, centre_id: str) -> list[str]:
        cursor = self._decisions.find({"centre_id": centre_id, "eligible": True}).sort(
            "person_id", 1
        )
        return [doc["person_id"] async for doc in cursor]


def _day(value: str) -> date:
    return date.fromisoformat(value)


def _decision(doc: Document) -> Decision:
    return Decision(
        person_id=doc["person_id"],
        centre_id=doc["centre_id"],
        eligible=bool(doc["eligible"]),
        reasons=tuple(Reason(code) for code in doc["reasons"]),
        eligible_from=_day(doc["eligible_from"]) if doc.get("eligible_from") else None,
    )


def _fact(doc: Document) -> Fact | None:
    """Facts the rule reads; other kinds (admissions) are kept for later policies."""
    match doc["kind"]:
        case "completion":
            return Completion(doc["centre_id"], _day(doc["ended_on"]))
        case "sobriety":
            return SobrietyDate(_day(doc["sober_since"]))
        case "relapse":
            return Relapse(_day(doc["relapsed_on"]))
        case "consent":
            return ConsentChange(_day(doc["changed_on"]), bool(doc["volunteering"]), doc["_id"])
    return None
