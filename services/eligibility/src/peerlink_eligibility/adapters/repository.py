"""Eligibility's MongoDB collections: one facts document per person, one decision document
per (person, centre)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime

from peerlink_shared.lifecycle.erasure import keyed_by
from peerlink_shared.observability.trace_spans import current_trace_id
from peerlink_shared.storage.mongo import (
    DUPLICATE_KEY,
    MAX_UPDATES_PER_COMMAND,
    Database,
    Document,
    insert_once,
)
from pymongo import ReturnDocument, UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure

from peerlink_eligibility.domain.decision import Decision, Reason
from peerlink_eligibility.domain.facts import fold_facts
from peerlink_eligibility.service_layer.fact_types import read_fact
from peerlink_eligibility.service_layer.ports import (
    DecisionWrite,
    RecordedFact,
    Snapshot,
    Stored,
)

NAMESPACE_NOT_FOUND = 26
# Set on an erased person's facts document, which then holds nothing else.
ERASED = "erased_at"


class EligibilityRepository:
    """A person's facts are one document, the aggregate: written only by that person's
    consumer (Kafka key = person id), read whole by every decision, streamed once by a bulk
    job. Decisions are documents of their own: bulk jobs and clock reviews write them too
    (a second writer on the facts document could lose a fact on FerretDB, whose updates are
    not atomic), and they are listed by centre, by person and by review day.

    Every per-event filter is an equality on indexed fields, the only filter FerretDB v1
    answers from an index (any other condition is checked after that lookup).
    """

    def __init__(self, db: Database) -> None:
        self._facts = db["person_facts"]
        self._decisions = db["decisions"]
        self._reviews = db["review_claims"]
        self._updating = UpdateSlots(MAX_UPDATES_PER_COMMAND)

    async def ensure_indexes(self) -> None:
        await self._decisions.create_index([("centre_id", 1), ("eligible", 1)])
        await self._decisions.create_index([("person_id", 1)])
        await self._decisions.create_index([("review_on", 1)])

    async def add_fact(self, *, event_id: str, fact: RecordedFact) -> Snapshot | None:
        person_id = fact.person_id
        stored_fact = {"kind": fact.kind, **fact.fields}
        try:
            return await self._push_fact(person_id, event_id, stored_fact)
        except DuplicateKeyError:
            pass
        stored = await self._facts.find_one({"_id": person_id})
        if stored is not None and stored.get(ERASED) is not None:
            return None
        if stored is not None and event_id in stored["event_ids"]:
            return _snapshot(person_id, stored)  # recorded before: a redelivery
        # The person's document appeared meanwhile (two consumers overlapping in a
        # rebalance): now the push matches it.
        return await self._push_fact(person_id, event_id, stored_fact)

    async def _push_fact(self, person_id: str, event_id: str, fact: Document) -> Snapshot:
        """One write that reads back. The filter matches only while the event is new; when it
        is not, the upsert's insert collides with the person's document (duplicate key)."""
        doc = await self._facts.find_one_and_update(
            # Not an erased person's tombstone: that makes the upsert collide too.
            {"_id": person_id, "event_ids": {"$ne": event_id}, ERASED: {"$exists": False}},
            {"$push": {"facts": fact, "event_ids": event_id}, "$inc": {"version": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        return _snapshot(person_id, doc)

    async def facts_of(self, person_id: str) -> Snapshot:
        doc = await self._facts.find_one({"_id": person_id}, {"event_ids": 0})
        return _snapshot(person_id, doc)

    async def facts_of_many(self, person_ids: Sequence[str]) -> dict[str, Snapshot]:
        cursor = self._facts.find({"_id": {"$in": list(person_ids)}}, {"event_ids": 0})
        return {doc["_id"]: _snapshot(doc["_id"], doc) async for doc in cursor}

    async def all_facts(self, *, batch: int) -> AsyncIterator[list[Snapshot]]:
        found: list[Snapshot] = []
        living = {ERASED: {"$exists": False}}
        async for doc in self._facts.find(living, {"event_ids": 0}).batch_size(batch):
            found.append(_snapshot(doc["_id"], doc))
            if len(found) >= batch:
                yield found
                found = []
        if found:
            yield found

    async def count_persons(self) -> int:
        # From the collection's metadata: FerretDB v1 gives PostgreSQL's planner estimate,
        # which lags a bulk load, and would read every document to answer `count`, which
        # estimated_document_count sends.
        try:
            cursor = await self._facts.aggregate([{"$collStats": {"count": {}}}])
            counts = [int(shard["count"]) async for shard in cursor]  # one per shard
        except OperationFailure as error:
            if error.code != NAMESPACE_NOT_FOUND:
                raise
            return 0  # no person has any fact yet
        return max(0, sum(counts))

    async def decision(self, person_id: str, centre_id: str) -> Decision | None:
        stored = await self.stored(person_id, centre_id)
        return None if stored is None else stored.decision

    async def stored(self, person_id: str, centre_id: str) -> Stored | None:
        doc = await self._decisions.find_one({"_id": f"{person_id}:{centre_id}"})
        return None if doc is None else _stored(doc)

    async def decisions_of(self, person_id: str) -> dict[str, Stored]:
        cursor = self._decisions.find({"person_id": person_id})
        return {doc["centre_id"]: _stored(doc) async for doc in cursor}

    async def decisions_at(self, centre_id: str) -> dict[str, Stored]:
        cursor = self._decisions.find({"centre_id": centre_id}).batch_size(1000)
        return {doc["person_id"]: _stored(doc) async for doc in cursor}

    async def save_decisions(self, writes: Sequence[DecisionWrite], *, at: datetime) -> set[str]:
        lost = await self._insert([w for w in writes if w.replaces is None], at=at)
        updates = [
            UpdateOne(_still(w.decision, replaces), {"$set": _fields(w, at)})
            for w in writes
            if (replaces := w.replaces) is not None
        ]
        persons = [w.decision.person_id for w in writes if w.replaces is not None]
        for start in range(0, len(updates), MAX_UPDATES_PER_COMMAND):
            end = start + MAX_UPDATES_PER_COMMAND
            async with self._updating.hold(len(updates[start:end])):
                result = await self._decisions.bulk_write(updates[start:end], ordered=False)
            if result.matched_count < len(updates[start:end]):
                # A count comes back, not which write lost: all of them decide again.
                lost.update(persons[start:end])
        return lost

    async def _insert(self, writes: Sequence[DecisionWrite], *, at: datetime) -> set[str]:
        if not writes:
            return set()
        documents = [{"_id": _key(w.decision), **_fields(w, at)} for w in writes]
        try:
            await self._decisions.insert_many(documents, ordered=False)
        except BulkWriteError as error:
            failures = error.details.get("writeErrors", [])
            codes = {failure.get("code") for failure in failures}
            if codes - {DUPLICATE_KEY} or error.details.get("writeConcernErrors"):
                raise
            # Someone decided first: a duplicate key.
            return {writes[failure["index"]].decision.person_id for failure in failures}
        return set()

    async def eligible_at(self, centre_id: str) -> list[str]:
        cursor = self._decisions.find({"centre_id": centre_id, "eligible": True})
        return sorted([doc["person_id"] async for doc in cursor])

    async def due_for_review(self, today: date, *, limit: int) -> list[Decision]:
        cursor = self._decisions.find({"review_on": {"$lte": today.isoformat()}})
        return [_decision(doc) async for doc in cursor.sort("review_on", 1).limit(limit)]

    async def due_on(self, day: date, *, limit: int) -> list[Decision]:
        # An equality the review_on index serves on both servers (FerretDB v1 answers
        # the range of due_for_review by reading every decision).
        cursor = self._decisions.find({"review_on": day.isoformat()})
        return [_decision(doc) async for doc in cursor.limit(limit)]

    async def claim_review(self, claim: str, *, at: datetime) -> bool:
        return await insert_once(self._reviews, {"_id": claim, "claimed_at": at})

    async def erase_person(
        self, person_id: str, *, now: datetime, correlation_id: str
    ) -> dict[str, int]:
        before = await self._facts.find_one_and_replace(
            {"_id": person_id},
            {ERASED: now, "facts": [], "event_ids": [], "version": 0},
            upsert=True,
        )
        held_facts = before is not None and before.get(ERASED) is None
        decisions = await self._decisions.delete_many({"person_id": person_id})
        claims = await self._reviews.delete_many({"_id": keyed_by(person_id, separators=":")})
        return {
            "person_facts": int(held_facts),
            "decisions": decisions.deleted_count,
            "review_claims": claims.deleted_count,
        }


class UpdateSlots:
    """Update statements in flight from this process, bounded (see MAX_UPDATES_PER_COMMAND):
    the person path of every partition and a bulk job share them, first come first served."""

    def __init__(self, size: int) -> None:
        self._free = size
        self._queue = asyncio.Lock()
        self._released = asyncio.Condition()

    @contextlib.asynccontextmanager
    async def hold(self, count: int) -> AsyncIterator[None]:
        async with self._queue, self._released:
            await self._released.wait_for(lambda: self._free >= count)
            self._free -= count
        try:
            yield
        finally:
            async with self._released:
                self._free += count
                self._released.notify_all()


def _key(decision: Decision) -> str:
    return f"{decision.person_id}:{decision.centre_id}"


def _still(decision: Decision, replaces: Stored) -> Document:
    """Matches the stored decision only while it is the one the decider read."""
    if replaces.revision == 0:
        # Stored before decisions had revisions.
        return {"_id": _key(decision), "revision": {"$exists": False}}
    return {"_id": _key(decision), "revision": replaces.revision}


def _fields(write: DecisionWrite, at: datetime) -> Document:
    decision = write.decision
    return {
        "person_id": decision.person_id,
        "centre_id": decision.centre_id,
        "eligible": decision.eligible,
        "reasons": [reason.value for reason in decision.reasons],
        "eligible_from": _iso(decision.eligible_from),
        "review_on": _iso(decision.review_on),
        "policy_version": decision.policy_version,
        "holds_from": {reason.value: day.isoformat() for reason, day in decision.holds_from},
        "facts_version": write.facts_version,
        "revision": (write.replaces.revision if write.replaces else 0) + 1,
        "decided_at": at,
        "trace_id": current_trace_id(),
    }


def _snapshot(person_id: str, doc: Document | None) -> Snapshot:
    if doc is None:
        return Snapshot(fold_facts(person_id, []), 0)
    read = (read_fact(fact["kind"], fact) for fact in doc.get("facts", []))
    facts = [fact for fact in read if fact is not None]
    return Snapshot(fold_facts(person_id, facts), int(doc.get("version", 0)))


def _iso(day: date | None) -> str | None:
    # ISO dates sort as strings, which is what the review query needs.
    return day.isoformat() if day else None


def _day(value: str) -> date:
    return date.fromisoformat(value)


def _stored(doc: Document) -> Stored:
    return Stored(_decision(doc), int(doc.get("revision", 0)), doc.get("trace_id"))


def _decision(doc: Document) -> Decision:
    return Decision(
        person_id=doc["person_id"],
        centre_id=doc["centre_id"],
        eligible=bool(doc["eligible"]),
        reasons=tuple(Reason(code) for code in doc["reasons"]),
        eligible_from=_day(doc["eligible_from"]) if doc.get("eligible_from") else None,
        review_on=_day(doc["review_on"]) if doc.get("review_on") else None,
        policy_version=int(doc.get("policy_version", 0)),
        holds_from=tuple(
            sorted((Reason(code), _day(day)) for code, day in doc.get("holds_from", {}).items())
        ),
    )
