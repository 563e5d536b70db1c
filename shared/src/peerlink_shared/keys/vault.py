"""The key vault: one wrapped data key per person, in a database of its own.

Modelled on MongoDB client-side field-level encryption's key vault: documents
`{_id: owner, key_id, kek_id, wrapped, created_at}`, the data key inside only ever wrapped
under a KEK from settings. Destroying an owner's key replaces the document with a tombstone
`{_id, destroyed_at}`: every copy of what the key sealed, on every topic, replica and
backup of a service database, is unreadable from then on, and the tombstone keeps the key
from ever being created again (`key_for` raises `PersonKeyDestroyed`).

Unwrapped keys are cached in the process for `cache_seconds` (30 by default), so the
pipeline does not read the vault per event. A destroyed key may therefore still open in
another running process for that long after `destroy` returns.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

import structlog
from pymongo import ReplaceOne

from peerlink_shared.keys.ring import DataKey, KeyRing, Wrapped, new_data_key
from peerlink_shared.storage.mongo import Database, Document, insert_once

log = structlog.get_logger("peerlink.keys")

DEFAULT_CACHE_SECONDS = 30.0
CACHE_LIMIT = 100_000


class PersonKeyDestroyed(Exception):
    """The owner's data key was destroyed (erasure): nothing of theirs opens or is sealed."""


class PersonKeys:
    """Create-or-get, read, destroy and rewrap per-person data keys."""

    def __init__(
        self,
        db: Database,
        *,
        ring: KeyRing,
        now: Callable[[], datetime],
        cache_seconds: float = DEFAULT_CACHE_SECONDS,
    ) -> None:
        self._keys = db["data_keys"]
        self._ring = ring
        self._now = now
        self._cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, DataKey]] = {}

    async def key_for(self, person_id: str) -> DataKey:
        """The person's data key, created on first use. Two racing creators both end up
        with the one that was inserted first (unique `_id`)."""
        if (cached := self._cached(person_id)) is not None:
            return cached
        while True:
            found = await self._read(person_id)
            if found is not None:
                return found
            fresh = new_data_key()
            wrapped = self._ring.wrap(person_id, fresh)
            if await insert_once(self._keys, _document(person_id, wrapped, at=self._now())):
                log.info("person_key_created", person=person_id, key_id=fresh.key_id)
                return self._remember(person_id, fresh)

    async def existing(self, person_id: str) -> DataKey | None:
        """The person's data key if they have one; None if never created or destroyed."""
        if (cached := self._cached(person_id)) is not None:
            return cached
        try:
            return await self._read(person_id)
        except PersonKeyDestroyed:
            return None

    async def destroyed(self, person_id: str) -> bool:
        doc = await self._keys.find_one({"_id": person_id}, {"destroyed_at": 1})
        return doc is not None and "destroyed_at" in doc

    async def destroy(self, person_id: str) -> bool:
        """Replaces the wrapped key with a tombstone; True if a key was destroyed now, False
        if there was none (a tombstone is left all the same, so none is created later)."""
        self._cache.pop(person_id, None)
        tombstone: Document = {"_id": person_id, "destroyed_at": self._now()}
        while True:
            replaced = await self._keys.replace_one(
                {"_id": person_id, "wrapped": {"$exists": True}}, tombstone
            )
            if replaced.matched_count:
                log.info("person_key_destroyed", person=person_id)
                return True
            # No key: a tombstone is there already, or is inserted now. A key created in
            # between makes the insert fail; the loop then destroys that key.
            if await self.destroyed(person_id) or await insert_once(self._keys, tombstone):
                return False

    async def rewrap(self) -> int:
        """Moves every data key to the active KEK; returns how many were rewrapped."""
        active = self._ring.active
        batch: list[ReplaceOne[Document]] = []
        count = 0
        query = {"wrapped": {"$exists": True}, "kek_id": {"$ne": active}}
        async for doc in self._keys.find(query):
            owner = str(doc["_id"])
            key = self._ring.unwrap(owner, _wrapped(doc))
            fresh = _document(owner, self._ring.wrap(owner, key), at=doc["created_at"])
            # Only if nobody destroyed or rewrapped it meanwhile.
            batch.append(ReplaceOne({"_id": owner, "kek_id": doc["kek_id"]}, fresh))
            if len(batch) >= 500:
                count += (await self._keys.bulk_write(batch, ordered=False)).modified_count
                batch = []
        if batch:
            count += (await self._keys.bulk_write(batch, ordered=False)).modified_count
        log.info("person_keys_rewrapped", count=count, kek_id=active)
        return count

    async def _read(self, person_id: str) -> DataKey | None:
        doc = await self._keys.find_one({"_id": person_id})
        if doc is None:
            return None
        if "destroyed_at" in doc:
            raise PersonKeyDestroyed(person_id)
        return self._remember(person_id, self._ring.unwrap(person_id, _wrapped(doc)))

    def _cached(self, person_id: str) -> DataKey | None:
        found = self._cache.get(person_id)
        if found is None or found[0] < time.monotonic():
            return None
        return found[1]

    def _remember(self, person_id: str, key: DataKey) -> DataKey:
        if len(self._cache) >= CACHE_LIMIT:
            self._cache.clear()
        self._cache[person_id] = (time.monotonic() + self._cache_seconds, key)
        return key


def _document(owner: str, wrapped: Wrapped, *, at: datetime) -> Document:
    return {
        "_id": owner,
        "key_id": wrapped.key_id,
        "kek_id": wrapped.kek_id,
        "wrapped": wrapped.ciphertext,
        "created_at": at,
    }


def _wrapped(doc: Document) -> Wrapped:
    return Wrapped(
        key_id=str(doc["key_id"]), kek_id=str(doc["kek_id"]), ciphertext=bytes(doc["wrapped"])
    )
