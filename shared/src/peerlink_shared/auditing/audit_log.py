"""The audit trail's store: the `audit` collection of the service's own database.

Append-only by construction: this adapter inserts and reads, and has no code path that
updates or deletes an entry. (In production the service's database user can be held to
`insert` and `find` on this collection, so not even a defect elsewhere can rewrite it.)
Entries expire after PEERLINK_AUDIT_RETENTION_DAYS: MongoDB's TTL index on `at` deletes
them; only where the server has no TTL (FerretDB v1) does the retention sweeper, which
then needs `remove` too (peerlink_shared.storage.retention).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, Field

from peerlink_shared.auditing.audit import AuditEntry
from peerlink_shared.storage.mongo import Database, Document

MAX_PAGE = 500
# The actor's subject again at the top level: FerretDB v1 serves a filter on a top-level
# field from an index, and reads the whole collection for a dotted path (`actor.subject`).
ACTOR_KEY = "actor_subject"


class AuditRecorder(Protocol):
    """What a door needs to leave an entry; the Mongo log is one, a test's fake another."""

    async def record(self, entry: AuditEntry) -> None: ...


@dataclass(frozen=True)
class AuditQuery:
    person_id: str | None = None
    actor: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    cursor: str | None = None
    limit: int = 100


class AuditPage(BaseModel):
    entries: list[AuditEntry] = Field(description="Newest first.")
    next: str | None = Field(
        description="Pass as `cursor` for the next (older) page; none on the last page."
    )


class AuditLog:
    def __init__(self, db: Database) -> None:
        self._entries = db["audit"]

    async def ensure_indexes(self) -> None:
        # `_id` sorts by time, so (key, _id) serves "this person's / this actor's entries,
        # newest first"; the retention's index on `at` (ServiceSettings.expiries) serves a time
        # range over everyone.
        await self._entries.create_index([("person_ids", 1), ("_id", -1)])
        await self._entries.create_index([(ACTOR_KEY, 1), ("_id", -1)])

    async def record(self, entry: AuditEntry) -> None:
        await self._entries.insert_one(as_document(entry))

    async def page(self, query: AuditQuery) -> AuditPage:
        """Entries matching every given filter, newest first, at most `limit` of them."""
        limit = min(max(query.limit, 1), MAX_PAGE)
        found = await self._entries.find(_filter(query)).sort("_id", -1).limit(limit + 1).to_list()
        entries = [_entry(doc) for doc in found[:limit]]
        more = len(found) > limit
        return AuditPage(entries=entries, next=entries[-1].entry_id if more else None)


def as_document(entry: AuditEntry) -> Document:
    # JSON-mode for the enums; `at` stays a BSON date, so time ranges compare as times.
    fields = entry.model_dump(mode="json", exclude={"entry_id", "at"})
    return {"_id": entry.entry_id, "at": entry.at, ACTOR_KEY: entry.actor.subject, **fields}


def _filter(query: AuditQuery) -> Document:
    found: Document = {}
    if query.person_id is not None:
        found["person_ids"] = query.person_id
    if query.actor is not None:
        found[ACTOR_KEY] = query.actor
    at: Document = {}
    if query.since is not None:
        at["$gte"] = query.since
    if query.until is not None:
        at["$lt"] = query.until
    if at:
        found["at"] = at
    if query.cursor is not None:
        found["_id"] = {"$lt": query.cursor}
    return found


def _entry(doc: Document) -> AuditEntry:
    fields = {key: value for key, value in doc.items() if key not in {"_id", ACTOR_KEY}}
    return AuditEntry.model_validate({"entry_id": doc["_id"], **fields})
