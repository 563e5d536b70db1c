"""Intake's MongoDB collections: centres, persons (ids only) and recorded facts."""

from __future__ import annotations

from datetime import datetime

from peerlink_shared.contracts import CentreRegistered
from peerlink_shared.mongo import Database, insert_once
from pymongo.errors import DuplicateKeyError


class KnownIds:
    """Ids seen to exist, the most recent `limit` of them (the oldest are forgotten first)."""

    def __init__(self, *, limit: int) -> None:
        self._ids: dict[str, None] = {}
        self._limit = limit

    def __contains__(self, key: str) -> bool:
        return key in self._ids

    def add(self, key: str) -> None:
        self._ids[key] = None
        if len(self._ids) > self._limit:
            del self._ids[next(iter(self._ids))]


class IntakeRepository:
    def __init__(self, db: Database) -> None:
        self._centres = db["centres"]
        self._persons = db["persons"]
        self._facts = db["facts"]
        # Centres and persons are registered once and never removed: once seen, known for
        # good, so the clinic door does not read them again for every fact about them.
        # (Erasing persons will have to forget them here too.)
        self._known_centres = KnownIds(limit=10_000)
        self._known_persons = KnownIds(limit=200_000)

    async def ensure_indexes(self) -> None:
        await self._facts.create_index([("person_id", 1), ("recorded_at", 1)])

    async def save_centre(self, centre: CentreRegistered) -> None:
        await self._centres.update_one(
            {"_id": centre.centre_id}, {"$set": centre.model_dump(mode="json")}, upsert=True
        )

    async def centre(self, centre_id: str) -> CentreRegistered | None:
        found = await self._centres.find_one({"_id": centre_id})
        return None if found is None else CentreRegistered.model_validate(found)

    async def centre_exists(self, centre_id: str) -> bool:
        if centre_id not in self._known_centres:
            if await self._centres.find_one({"_id": centre_id}, {"_id": 1}) is None:
                return False
            self._known_centres.add(centre_id)
        return True

    async def person_exists(self, person_id: str) -> bool:
        if person_id not in self._known_persons:
            if await self._persons.find_one({"_id": person_id}, {"_id": 1}) is None:
                return False
            self._known_persons.add(person_id)
        return True

    async def add_person(self, *, person_id: str, centre_id: str, at: datetime) -> bool:
        """False when the id is taken (ids are random; a clash is retried by the caller)."""
        try:
            await self._persons.insert_one(
                {
                    "_id": person_id,
                    "registered_by": centre_id,
                    "centres": [centre_id],
                    "registered_at": at,
                }
            )
        except DuplicateKeyError:
            return False
        return True

    async def centres_of(self, person_id: str) -> set[str] | None:
        """Centres that registered or admitted the person; None for an unknown person."""
        found = await self._persons.find_one({"_id": person_id}, {"centres": 1})
        return None if found is None else set(found.get("centres", []))

    async def link_centre(self, person_id: str, centre_id: str) -> None:
        await self._persons.update_one({"_id": person_id}, {"$addToSet": {"centres": centre_id}})

    async def record_fact(
        self,
        *,
        event_id: str,
        person_id: str,
        event_type: str,
        data: dict[str, object],
        at: datetime,
    ) -> None:
        await insert_once(
            self._facts,
            {
                "_id": event_id,
                "person_id": person_id,
                "type": event_type,
                "data": data,
                "recorded_at": at,
            },
        )

    async def recorded_fact(self, event_id: str) -> tuple[str, dict[str, object]] | None:
        """The type and data recorded under an event id, if any."""
        found = await self._facts.find_one({"_id": event_id}, {"type": 1, "data": 1})
        return None if found is None else (str(found["type"]), dict(found["data"]))
