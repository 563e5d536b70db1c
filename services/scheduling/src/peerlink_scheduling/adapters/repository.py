"""Scheduling's MongoDB collections: sessions, eligible supporters per centre, assignments,
time holds, availability, centres (regions), stays and exclusions.

Never double-booked without transactions: an assignment's _id is `<session>-<slot>`, and a
unique index on (session_id, supporter_id) means one supporter holds one slot per session;
a racing writer gets a duplicate-key error and moves on.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

from peerlink_shared.contracts import CentreRegistered
from peerlink_shared.mongo import Database, Document, insert_once

from peerlink_scheduling.domain.availability import Availability, Window
from peerlink_scheduling.domain.matching import Booking, SessionRequest
from peerlink_scheduling.domain.network import Network
from peerlink_scheduling.domain.stays import Admitted, Left


class SchedulingRepository:
    def __init__(self, db: Database) -> None:
        self._sessions = db["sessions"]
        self._eligible = db["eligible"]
        self._assignments = db["assignments"]
        self._holds = db["time_holds"]
        self._availability = db["availability"]
        self._centres = db["centres"]
        self._histories = db["histories"]
        self._exclusions = db["exclusions"]

    async def ensure_indexes(self) -> None:
        await self._assignments.create_index([("session_id", 1), ("supporter_id", 1)], unique=True)
        await self._assignments.create_index([("supporter_id", 1)])
        await self._sessions.create_index([("centre_id", 1), ("starts_at", 1)])
        await self._eligible.create_index([("centre_id", 1), ("eligible", 1)])
        await self._assignments.create_index([("resident_id", 1)])

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

    async def set_eligible(
        self, *, person_id: str, centre_id: str, eligible: bool, eligible_from: date | None
    ) -> None:
        await self._eligible.update_one(
            {"_id": f"{person_id}:{centre_id}"},
            {
                "$set": {
                    "person_id": person_id,
                    "centre_id": centre_id,
                    "eligible": eligible,
                    # A date is not a BSON type: kept as its ISO string.
                    "eligible_from": None if eligible_from is None else eligible_from.isoformat(),
                }
            },
            upsert=True,
        )

    async def eligibility_at(self, centre_id: str) -> dict[str, date]:
        """Who may serve at the centre, and from which day (date.min: already)."""
        found = {}
        async for doc in self._eligible.find({"centre_id": centre_id}):
            if doc["eligible"]:
                found[doc["person_id"]] = date.min
            elif doc.get("eligible_from") is not None:
                found[doc["person_id"]] = date.fromisoformat(doc["eligible_from"])
        return found

    async def save_centre(self, centre: CentreRegistered) -> None:
        await self._centres.replace_one(
            {"_id": centre.centre_id},
            {"region": centre.region, "timezone": centre.timezone},
            upsert=True,
        )

    async def network(self) -> Network:
        """Every centre's region (a network has tens of centres: one small scan)."""
        return Network(regions={doc["_id"]: doc["region"] async for doc in self._centres.find()})

    async def timezone_of(self, centre_id: str) -> str:
        doc = await self._centres.find_one({"_id": centre_id})
        return "UTC" if doc is None else str(doc["timezone"])

    async def record_admission(self, person_id: str, admitted: Admitted) -> None:
        entry = {"centre_id": admitted.centre_id, "on": admitted.on.isoformat()}
        await self._histories.update_one(
            {"_id": person_id}, {"$addToSet": {"admissions": entry}}, upsert=True
        )

    async def record_leaving(self, person_id: str, left: Left) -> None:
        entry = {
            "centre_id": left.centre_id,
            "on": left.on.isoformat(),
            "completed": left.completed,
        }
        await self._histories.update_one(
            {"_id": person_id}, {"$addToSet": {"leavings": entry}}, upsert=True
        )

    async def history_of(self, person_id: str) -> tuple[list[Admitted], list[Left]]:
        doc = await self._histories.find_one({"_id": person_id}) or {}
        return (
            [
                Admitted(item["centre_id"], date.fromisoformat(item["on"]))
                for item in doc.get("admissions", [])
            ],
            [
                Left(item["centre_id"], date.fromisoformat(item["on"]), item["completed"])
                for item in doc.get("leavings", [])
            ],
        )

    async def set_exclusions(self, centre_id: str, resident_id: str, supporters: list[str]) -> None:
        await self._exclusions.replace_one(
            {"_id": f"{centre_id}:{resident_id}"},
            {"supporter_ids": sorted(set(supporters))},
            upsert=True,
        )

    async def exclusions(self, centre_id: str, resident_id: str) -> frozenset[str]:
        doc = await self._exclusions.find_one({"_id": f"{centre_id}:{resident_id}"})
        return frozenset(() if doc is None else doc["supporter_ids"])

    async def met_before(self, resident_id: str) -> frozenset[str]:
        """Supporters who were assigned to this resident's meetings (continuity)."""
        cursor = self._assignments.find({"resident_id": resident_id}, {"supporter_id": 1})
        return frozenset([doc["supporter_id"] async for doc in cursor])

    async def assignments_of(self, session_id: str) -> list[Document]:
        return await self._assignments.find({"session_id": session_id}).sort("slot", 1).to_list()

    async def bookings_of(self, supporter_ids: list[str]) -> dict[str, list[Booking]]:
        bookings: dict[str, list[Booking]] = {supporter: [] for supporter in supporter_ids}
        async for doc in self._assignments.find({"supporter_id": {"$in": supporter_ids}}):
            bookings[doc["supporter_id"]].append(
                Booking(
                    doc["session_id"],
                    doc["centre_id"],
                    doc["starts_at"],
                    doc["starts_at"] + timedelta(minutes=doc["duration_minutes"]),
                )
            )
        return bookings

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

    async def set_availability(self, supporter_id: str, availability: Availability) -> None:
        await self._availability.replace_one(
            {"_id": supporter_id}, _availability_document(availability), upsert=True
        )

    async def availability_of(self, supporter_ids: list[str]) -> dict[str, Availability]:
        """Recorded availability by supporter (one `_id` read each: FerretDB scans `$in`)."""
        found = {}
        for supporter_id in supporter_ids:
            doc = await self._availability.find_one({"_id": supporter_id})
            if doc is not None:
                found[supporter_id] = _availability(doc)
        return found

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


def _windows(items: list[Document]) -> tuple[Window, ...]:
    return tuple(
        Window(time.fromisoformat(w["start"]), time.fromisoformat(w["end"])) for w in items
    )


def _availability(doc: Document) -> Availability:
    return Availability(
        timezone=doc["timezone"],
        weekly={int(day): _windows(items) for day, items in doc.get("weekly", {}).items()},
        exceptions={
            date.fromisoformat(d): _windows(items) for d, items in doc.get("exceptions", {}).items()
        },
        max_sessions_per_week=doc.get("max_sessions_per_week"),
        centres=frozenset(doc["centres"]) if doc.get("centres") is not None else None,
        regions=frozenset(doc["regions"]) if doc.get("regions") is not None else None,
        home_centre=doc.get("home_centre"),
    )


def _availability_document(availability: Availability) -> Document:
    def windows(items: tuple[Window, ...]) -> list[Document]:
        return [
            {"start": w.start.isoformat("minutes"), "end": w.end.isoformat("minutes")}
            for w in items
        ]

    return {
        "timezone": availability.timezone,
        # Keys are strings: a document key cannot be a number or a date.
        "weekly": {str(day): windows(items) for day, items in availability.weekly.items()},
        "exceptions": {
            d.isoformat(): windows(items) for d, items in availability.exceptions.items()
        },
        "max_sessions_per_week": availability.max_sessions_per_week,
        "centres": sorted(availability.centres) if availability.centres is not None else None,
        "regions": sorted(availability.regions) if availability.regions is not None else None,
        "home_centre": availability.home_centre,
    }
