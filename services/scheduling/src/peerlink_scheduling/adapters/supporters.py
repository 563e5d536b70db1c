"""What scheduling knows about the people it matches: who may serve where and from when,
their availability, the centres' regions and timezones, stays at centres, and exclusions.
Kept apart from the sessions and bookings it writes (`sessions.py`); every read returns typed
records."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Unpack

from peerlink_shared.contracts import CentreRegistered
from peerlink_shared.storage.mongo import Database, Document

from peerlink_scheduling.adapters.pool_reads import read_each
from peerlink_scheduling.domain.availability import Availability, Window
from peerlink_scheduling.domain.bookings import Candidate
from peerlink_scheduling.domain.network import Network
from peerlink_scheduling.domain.stays import Admitted, Left
from peerlink_scheduling.service_layer.ports import MayServe, Recorded, changes_view


class SupporterRepository:
    def __init__(self, db: Database) -> None:
        self._eligible = db["eligible"]
        self._availability = db["availability"]
        self._centres = db["centres"]
        self._histories = db["histories"]
        self._exclusions = db["exclusions"]

    async def ensure_indexes(self) -> None:
        await self._eligible.create_index([("centre_id", 1), ("eligible", 1)])

    async def set_eligible(self, **change: Unpack[MayServe]) -> bool:
        eligible_from = change["eligible_from"]
        before = await self._eligible.find_one_and_update(
            {"_id": f"{change['person_id']}:{change['centre_id']}"},
            {
                "$set": {
                    "person_id": change["person_id"],
                    "centre_id": change["centre_id"],
                    "eligible": change["eligible"],
                    # A date is not a BSON type: kept as its ISO string.
                    "eligible_from": None if eligible_from is None else eligible_from.isoformat(),
                    "changed_by": change.get("changed_by"),
                }
            },
            upsert=True,
        )
        return changes_view(None if before is None else _recorded(before), change)

    async def eligibility_at(self, centre_id: str) -> dict[str, date]:
        found = {}
        async for doc in self._eligible.find({"centre_id": centre_id}):
            if doc["eligible"]:
                found[doc["person_id"]] = date.min
            elif doc.get("eligible_from") is not None:
                found[doc["person_id"]] = date.fromisoformat(doc["eligible_from"])
        return found

    async def candidates_at(self, centre_id: str) -> list[Candidate]:
        # Who, then each one's availability and stays by `_id` (pool_reads.py: not a `$in`).
        eligibility = await self.eligibility_at(centre_id)
        ids = sorted(eligibility)
        availability = await self.availability_of(ids)
        histories = await self.histories_of(ids)
        return [
            Candidate(
                supporter_id=supporter_id,
                eligible_from=eligibility[supporter_id],
                availability=availability.get(supporter_id),
                admissions=tuple(histories[supporter_id][0]),
                leavings=tuple(histories[supporter_id][1]),
            )
            for supporter_id in ids
        ]

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
        return _history(await self._histories.find_one({"_id": person_id}) or {})

    async def set_exclusions(self, centre_id: str, resident_id: str, supporters: list[str]) -> None:
        await self._exclusions.replace_one(
            {"_id": f"{centre_id}:{resident_id}"},
            {"supporter_ids": sorted(set(supporters))},
            upsert=True,
        )

    async def exclusions(self, centre_id: str, resident_id: str) -> frozenset[str]:
        doc = await self._exclusions.find_one({"_id": f"{centre_id}:{resident_id}"})
        return frozenset(() if doc is None else doc["supporter_ids"])

    async def set_availability(self, supporter_id: str, availability: Availability) -> None:
        await self._availability.replace_one(
            {"_id": supporter_id}, _availability_document(availability), upsert=True
        )

    async def availability_of(self, supporter_ids: list[str]) -> dict[str, Availability]:
        """Recorded availability by supporter (absent: nothing recorded)."""
        found = await read_each(
            supporter_ids, lambda key: self._availability.find_one({"_id": key})
        )
        return {
            supporter_id: _availability(doc)
            for supporter_id, doc in zip(supporter_ids, found, strict=True)
            if doc is not None
        }

    async def histories_of(
        self, person_ids: list[str]
    ) -> dict[str, tuple[list[Admitted], list[Left]]]:
        """Each person's stays (none recorded: empty)."""
        return dict(zip(person_ids, await read_each(person_ids, self.history_of), strict=True))

    async def forget_supporter(self, person_id: str) -> dict[str, int]:
        eligible = await self._eligible.delete_many({"person_id": person_id})
        availability = await self._availability.delete_one({"_id": person_id})
        histories = await self._histories.delete_one({"_id": person_id})
        return {
            "eligible": eligible.deleted_count,
            "availability": availability.deleted_count,
            "histories": histories.deleted_count,
        }

    async def forget_exclusions(self, person_id: str) -> dict[str, int]:
        escaped = re.escape(person_id)
        exclusions = await self._exclusions.delete_many({"_id": {"$regex": f":{escaped}$"}})
        await self._exclusions.update_many(
            {"supporter_ids": person_id}, {"$pull": {"supporter_ids": person_id}}
        )
        return {"exclusions": exclusions.deleted_count}


def _recorded(doc: Document) -> Recorded:
    since = doc.get("eligible_from")
    return (
        bool(doc["eligible"]),
        None if since is None else date.fromisoformat(since),
        doc.get("changed_by"),
    )


def _history(doc: Document) -> tuple[list[Admitted], list[Left]]:
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
