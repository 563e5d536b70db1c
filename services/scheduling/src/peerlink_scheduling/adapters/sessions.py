"""Scheduling's MongoDB collections for what it writes: sessions, assignments, time holds.
Every read returns typed records (`SessionRequest`, `Assignment`, `Booking`).

Never double-booked without transactions: an assignment's _id is `<session>-<slot>`, and a
unique index on (session_id, supporter_id) means one supporter holds one slot per session;
a racing writer gets a duplicate-key error and moves on.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Unpack

from peerlink_shared.lifecycle.erasure import keyed_by
from peerlink_shared.observability.trace_spans import current_trace_id
from peerlink_shared.storage.mongo import DUPLICATE_KEY, Database, Document, insert_once
from pymongo import DeleteOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError

from peerlink_scheduling.adapters.pool_reads import read_each
from peerlink_scheduling.domain.bookings import Assignment
from peerlink_scheduling.domain.matching import Booking, SessionRequest
from peerlink_scheduling.service_layer.ports import SlotClaim


class SessionRepository:
    """Sessions, their assignments and the supporters' time holds."""

    def __init__(self, db: Database) -> None:
        self._sessions = db["sessions"]
        self._assignments = db["assignments"]
        self._holds = db["time_holds"]

    async def ensure_indexes(self) -> None:
        await self._assignments.create_index([("session_id", 1), ("supporter_id", 1)], unique=True)
        await self._assignments.create_index([("supporter_id", 1)])
        await self._sessions.create_index([("centre_id", 1), ("starts_at", 1)])
        await self._assignments.create_index([("resident_id", 1)])
        # A resident's meetings, for their subject access report.
        await self._sessions.create_index([("resident_id", 1)])

    async def add_session(self, request: SessionRequest, *, at: datetime) -> None:
        await insert_once(
            self._sessions,
            {
                "_id": request.session_id,
                "centre_id": request.centre_id,
                "starts_at": request.starts_at,
                "duration_minutes": request.duration_minutes,
                "supporters_needed": request.supporters_needed,
                "resident_id": request.resident_id,
                "window_ends_at": request.window_ends_at,
                "timezone": request.timezone,
                "created_at": at,
            },
        )

    async def session(self, session_id: str) -> SessionRequest | None:
        doc = await self._sessions.find_one({"_id": session_id})
        return None if doc is None else _session(doc)

    async def cancel_session(self, session_id: str, *, at: datetime) -> None:
        await self._sessions.update_one({"_id": session_id}, {"$set": {"cancelled_at": at}})

    async def is_cancelled(self, session_id: str) -> bool:
        doc = await self._sessions.find_one({"_id": session_id}, {"cancelled_at": 1})
        return doc is not None and doc.get("cancelled_at") is not None

    async def upcoming_sessions(self, centre_id: str, *, after: datetime) -> list[SessionRequest]:
        cursor = self._sessions.find({"centre_id": centre_id, "starts_at": {"$gt": after}}).sort(
            "starts_at", 1
        )
        return [_session(doc) async for doc in cursor if doc.get("cancelled_at") is None]

    async def met_before(self, resident_id: str) -> frozenset[str]:
        cursor = self._assignments.find({"resident_id": resident_id}, {"supporter_id": 1})
        return frozenset([doc["supporter_id"] async for doc in cursor])

    async def assignments_of(self, session_id: str) -> list[Assignment]:
        cursor = self._assignments.find({"session_id": session_id}).sort("slot", 1)
        return [_assignment(doc) async for doc in cursor]

    async def bookings_of(self, supporter_ids: list[str]) -> dict[str, list[Booking]]:
        # One supporter index lookup each (pool_reads.py: not a `$in`).
        found = await read_each(supporter_ids, self._bookings_of_one)
        return dict(zip(supporter_ids, found, strict=True))

    async def _bookings_of_one(self, supporter_id: str) -> list[Booking]:
        docs = await self._assignments.find({"supporter_id": supporter_id}).to_list()
        return [_assignment(doc).booking for doc in docs]

    async def claim_slot(self, request: SessionRequest, **claim: Unpack[SlotClaim]) -> bool:
        return await insert_once(
            self._assignments,
            {
                "_id": f"{request.session_id}-{claim['slot']}",
                # Fixes the ids of this assignment's events, across retries; a later
                # assignment of the same slot gets a new one.
                "assignment_id": str(uuid.uuid4()),
                "session_id": request.session_id,
                "centre_id": request.centre_id,
                "slot": claim["slot"],
                "supporter_id": claim["supporter_id"],
                "resident_id": request.resident_id,
                "starts_at": claim["starts_at"],
                "duration_minutes": request.duration_minutes,
                "why": claim["why"],
                "announced": False,
                "assigned_at": claim["at"],
                # The trace that assigned them, when traced: for a link to the trace viewer.
                "trace_id": current_trace_id(),
            },
        )

    async def future_assignments(
        self, *, supporter_id: str, centre_id: str, after: datetime
    ) -> list[Assignment]:
        cursor = self._assignments.find(
            {"supporter_id": supporter_id, "centre_id": centre_id, "starts_at": {"$gt": after}}
        )
        return [_assignment(doc) async for doc in cursor.sort("starts_at", 1)]

    async def release(self, slot_id: str) -> None:
        await self._assignments.delete_one({"_id": slot_id})

    async def hold_time(
        self, supporter_id: str, starts_at: datetime, ends_at: datetime, *, session_id: str
    ) -> str | None:
        token = str(uuid.uuid4())
        keys = [f"{supporter_id}@{bucket}" for bucket in _buckets(starts_at, ends_at)]
        held: list[str] = []
        # The buckets in order, as one insert each before: one command per HOLDS_PER_WRITE.
        for first in range(0, len(keys), HOLDS_PER_WRITE):
            chunk = keys[first : first + HOLDS_PER_WRITE]
            documents = [{"_id": key, "session_id": session_id, "token": token} for key in chunk]
            inserted = await _insert_until_taken(self._holds, documents)
            held.extend(chunk[:inserted])
            if inserted < len(chunk):
                await self.drop_hold(held, token=token)
                return None
        return token

    async def drop_hold(self, keys: list[str], *, token: str) -> None:
        await self._delete_holds([{"_id": key, "token": token} for key in keys])

    async def free_time(
        self, supporter_id: str, starts_at: datetime, ends_at: datetime, *, token: str | None
    ) -> None:
        queries: list[Document] = []
        for bucket in _buckets(starts_at, ends_at):
            query: Document = {"_id": f"{supporter_id}@{bucket}"}
            if token is not None:
                query["token"] = token
            queries.append(query)
        await self._delete_holds(queries)

    async def _delete_holds(self, queries: list[Document]) -> None:
        """One `delete_one` each, in order, sent HOLDS_PER_WRITE to a command: each still an
        `_id` lookup (a `$in` would make FerretDB read the whole collection)."""
        for first in range(0, len(queries), HOLDS_PER_WRITE):
            chunk = queries[first : first + HOLDS_PER_WRITE]
            await self._holds.bulk_write([DeleteOne(query) for query in chunk])

    async def staffing_reported(self, session_id: str) -> str | None:
        doc = await self._sessions.find_one({"_id": session_id}, {"staffing_reported": 1})
        return None if doc is None else doc.get("staffing_reported")

    async def mark_staffing_reported(self, session_id: str, state: str) -> None:
        await self._sessions.update_one({"_id": session_id}, {"$set": {"staffing_reported": state}})

    async def mark_announced(self, assignment_id: str) -> None:
        await self._assignments.update_one({"_id": assignment_id}, {"$set": {"announced": True}})

    async def bookings_for_supporter(self, supporter_id: str) -> list[Assignment]:
        cursor = self._assignments.find({"supporter_id": supporter_id}).sort("starts_at", 1)
        return [_assignment(doc) async for doc in cursor]

    async def future_assignments_anywhere(
        self, supporter_id: str, *, after: datetime
    ) -> list[Assignment]:
        cursor = self._assignments.find({"supporter_id": supporter_id, "starts_at": {"$gt": after}})
        return [_assignment(doc) async for doc in cursor.sort("starts_at", 1)]

    async def upcoming_meetings_of(
        self, resident_id: str, *, after: datetime
    ) -> list[SessionRequest]:
        cursor = self._sessions.find({"resident_id": resident_id, "starts_at": {"$gt": after}})
        return [_session(doc) async for doc in cursor if doc.get("cancelled_at") is None]

    async def forget_bookings(self, person_id: str) -> dict[str, int]:
        assignments = await self._assignments.delete_many({"supporter_id": person_id})
        holds = await self._holds.delete_many({"_id": keyed_by(person_id, separators="@")})
        as_resident = await self._sessions.update_many(
            {"resident_id": person_id}, {"$set": {"resident_id": ERASED}}
        )
        await self._assignments.update_many(
            {"resident_id": person_id}, {"$set": {"resident_id": ERASED}}
        )
        escaped = re.escape(person_id)
        staffing = 0
        named = {"staffing_reported": {"$regex": f"[:,]{escaped}(,|$)"}}
        async for doc in self._sessions.find(named, {"staffing_reported": 1}):
            state = re.sub(f"(?<=[:,]){escaped}(?=,|$)", ERASED, doc["staffing_reported"])
            await self._sessions.update_one(
                {"_id": doc["_id"]}, {"$set": {"staffing_reported": state}}
            )
            staffing += 1
        return {
            "assignments": assignments.deleted_count,
            "time_holds": holds.deleted_count,
            "sessions_as_resident": as_resident.modified_count,
            "staffing_states": staffing,
        }


# Stands in where a document must keep that someone was there (a past meeting had a
# resident): not an opaque id (it has parentheses), so it can never be taken for a person.
ERASED = "(erased)"


def _session(doc: Document) -> SessionRequest:
    return SessionRequest(
        session_id=doc["_id"],
        centre_id=doc["centre_id"],
        starts_at=doc["starts_at"],
        duration=timedelta(minutes=doc["duration_minutes"]),
        supporters_needed=doc["supporters_needed"],
        resident_id=doc.get("resident_id"),
        window_ends_at=doc.get("window_ends_at"),
        timezone=doc.get("timezone", "UTC"),
    )


def _assignment(doc: Document) -> Assignment:
    return Assignment(
        slot_id=doc["_id"],
        assignment_id=doc["assignment_id"],
        session_id=doc["session_id"],
        centre_id=doc["centre_id"],
        slot=doc["slot"],
        supporter_id=doc["supporter_id"],
        resident_id=doc.get("resident_id"),
        starts_at=doc["starts_at"],
        duration=timedelta(minutes=doc["duration_minutes"]),
        why=doc["why"],
        announced=doc["announced"],
        trace_id=doc.get("trace_id"),
    )


HOLD_BUCKET = timedelta(minutes=5)
# Holds inserted by one command: well under FerretDB's 49 statements a command (INFRA.md).
HOLDS_PER_WRITE = 24


async def _insert_until_taken(
    collection: AsyncCollection[Document], documents: list[Document]
) -> int:
    """Inserts the documents in order with one command, stopping at the first whose `_id` is
    taken (as one `insert_once` each, stopping at the first False); how many it inserted."""
    try:
        await collection.insert_many(documents, ordered=True)
    except BulkWriteError as error:
        failures = error.details.get("writeErrors", [])
        if (
            error.details.get("writeConcernErrors")
            or len(failures) != 1
            or failures[0].get("code") != DUPLICATE_KEY
        ):
            raise
        return int(failures[0]["index"])  # ordered: every one before it was inserted
    return len(documents)


def _buckets(starts_at: datetime, ends_at: datetime) -> list[str]:
    """The 5-minute buckets [starts_at, ends_at) touches, as UTC ISO strings."""
    start = starts_at.astimezone(UTC)
    bucket = start - timedelta(
        minutes=start.minute % 5, seconds=start.second, microseconds=start.microsecond
    )
    found = []
    while bucket < ends_at:
        found.append(bucket.strftime("%Y-%m-%dT%H:%MZ"))
        bucket += HOLD_BUCKET
    return found
