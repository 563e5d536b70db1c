"""Scheduling's MongoDB collections for what it writes: sessions, assignments, time holds.

Never double-booked without transactions: an assignment's _id is `<session>-<slot>`, and a
unique index on (session_id, supporter_id) means one supporter holds one slot per session;
a racing writer gets a duplicate-key error and moves on.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from peerlink_shared.mongo import Database, Document, each, insert_once

from peerlink_scheduling.adapters.supporters import SupporterRecords
from peerlink_scheduling.domain.matching import Booking, SessionRequest


class SchedulingRepository(SupporterRecords):
    """Sessions, assignments and time holds; what it reads about supporters is inherited
    from `SupporterRecords`."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self._sessions = db["sessions"]
        self._assignments = db["assignments"]
        self._holds = db["time_holds"]

    async def ensure_indexes(self) -> None:
        await self._assignments.create_index([("session_id", 1), ("supporter_id", 1)], unique=True)
        await self._assignments.create_index([("supporter_id", 1)])
        await self._sessions.create_index([("centre_id", 1), ("starts_at", 1)])
        await self._eligible.create_index([("centre_id", 1), ("eligible", 1)])
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
                "duration_minutes": int(request.duration.total_seconds() // 60),
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
        """Supporters who were assigned to this resident's meetings (continuity)."""
        cursor = self._assignments.find({"resident_id": resident_id}, {"supporter_id": 1})
        return frozenset([doc["supporter_id"] async for doc in cursor])

    async def assignments_of(self, session_id: str) -> list[Document]:
        return await self._assignments.find({"session_id": session_id}).sort("slot", 1).to_list()

    async def bookings_of(self, supporter_ids: list[str]) -> dict[str, list[Booking]]:
        """Each supporter's bookings, one indexed lookup each, side by side (a `$in` would make
        FerretDB read every assignment)."""
        found = await each(supporter_ids, self._bookings_of_one)
        return dict(zip(supporter_ids, found, strict=True))

    async def _bookings_of_one(self, supporter_id: str) -> list[Booking]:
        return [
            Booking(
                doc["session_id"],
                doc["centre_id"],
                doc["starts_at"],
                doc["starts_at"] + timedelta(minutes=doc["duration_minutes"]),
            )
            async for doc in self._assignments.find({"supporter_id": supporter_id})
        ]

    async def claim_slot(
        self,
        request: SessionRequest,
        *,
        slot: int,
        supporter_id: str,
        starts_at: datetime,
        why: str,
        at: datetime,
    ) -> bool:
        """True if this writer got the slot; False if another writer got it or the supporter."""
        return await insert_once(
            self._assignments,
            {
                "_id": f"{request.session_id}-{slot}",
                # Fixes the ids of this assignment's events, across retries; a later
                # assignment of the same slot gets a new one.
                "assignment_id": str(uuid.uuid4()),
                "session_id": request.session_id,
                "centre_id": request.centre_id,
                "slot": slot,
                "supporter_id": supporter_id,
                "resident_id": request.resident_id,
                "starts_at": starts_at,
                "duration_minutes": int(request.duration.total_seconds() // 60),
                "why": why,
                "announced": False,
                "assigned_at": at,
            },
        )

    async def future_assignments(
        self, *, supporter_id: str, centre_id: str, after: datetime
    ) -> list[Document]:
        cursor = self._assignments.find(
            {"supporter_id": supporter_id, "centre_id": centre_id, "starts_at": {"$gt": after}}
        )
        return await cursor.sort("starts_at", 1).to_list()

    async def release(self, slot_id: str) -> None:
        """Frees the slot for someone else."""
        await self._assignments.delete_one({"_id": slot_id})

    async def hold_time(
        self, supporter_id: str, starts_at: datetime, ends_at: datetime, *, session_id: str
    ) -> str | None:
        """Claims every 5-minute bucket of the supporter's time, all or nothing; returns the
        attempt's token, or None if any bucket is held by someone else (even this session,
        from a racing replica: only one attempt may win)."""
        token = str(uuid.uuid4())
        held: list[str] = []
        for bucket in _buckets(starts_at, ends_at):
            key = f"{supporter_id}@{bucket}"
            if not await insert_once(
                self._holds, {"_id": key, "session_id": session_id, "token": token}
            ):
                await self.drop_hold(held, token=token)
                return None
            held.append(key)
        return token

    async def drop_hold(self, keys: list[str], *, token: str) -> None:
        for key in keys:
            await self._holds.delete_one({"_id": key, "token": token})

    async def free_time(
        self, supporter_id: str, starts_at: datetime, ends_at: datetime, *, token: str | None
    ) -> None:
        """Frees the supporter's time held by one attempt (token), or by any (None)."""
        for bucket in _buckets(starts_at, ends_at):
            query: Document = {"_id": f"{supporter_id}@{bucket}"}
            if token is not None:
                query["token"] = token
            await self._holds.delete_one(query)

    async def staffing_reported(self, session_id: str) -> str | None:
        doc = await self._sessions.find_one({"_id": session_id}, {"staffing_reported": 1})
        return None if doc is None else doc.get("staffing_reported")

    async def mark_staffing_reported(self, session_id: str, state: str) -> None:
        await self._sessions.update_one({"_id": session_id}, {"$set": {"staffing_reported": state}})

    async def mark_announced(self, assignment_id: str) -> None:
        await self._assignments.update_one({"_id": assignment_id}, {"$set": {"announced": True}})

    async def bookings_for_supporter(self, supporter_id: str) -> list[Document]:
        return (
            await self._assignments.find({"supporter_id": supporter_id})
            .sort("starts_at", 1)
            .to_list()
        )


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


HOLD_BUCKET = timedelta(minutes=5)


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
