"""Looking for what is left of a person: every document of every collection of a database,
as JSON, searched for their id and anything else that was theirs."""

from __future__ import annotations

import json
from collections.abc import Iterable

from peerlink_shared.storage.mongo import Database, Document

# Where an erased person's id may stay, and what those documents may hold besides ids.
TOMBSTONE_FIELDS: dict[str, frozenset[str]] = {
    # every service: its ledger of erasures; the confirmation waiting in the outbox
    "erasures": frozenset({"_id", "person_id", "request_id", "erased_at", "deleted"}),
    "outbox": frozenset({"_id", "topic", "body", "created_at", "seq"}),
    # intake: the person's tombstone, the request (who asked, why)
    "persons": frozenset({"_id", "erased_at", "erasure_request_id"}),
    "erasure_requests": frozenset(
        {"_id", "person_id", "requested_by", "reason", "requested_at", "confirmations"}
    ),
    # eligibility: the facts document, emptied, so a late fact is not stored again
    "person_facts": frozenset({"_id", "erased_at", "facts", "event_ids", "version"}),
}


async def traces(db: Database, needles: Iterable[str]) -> dict[str, list[Document]]:
    """Per collection, the documents whose JSON holds any of the needles."""
    wanted = [needle for needle in needles if needle]
    found: dict[str, list[Document]] = {}
    for name in sorted(await db.list_collection_names()):
        async for doc in db[name].find({}):
            text = json.dumps(doc, default=str)
            if any(needle in text for needle in wanted):
                found.setdefault(name, []).append(doc)
    return found


def leftovers(found: dict[str, list[Document]], *, person_id: str) -> dict[str, list[Document]]:
    """What is left beyond tombstones: documents outside the tombstone collections, or in
    them with fields a tombstone does not have, or an outbox entry other than a confirmation
    of the erasure."""
    left: dict[str, list[Document]] = {}
    for name, docs in found.items():
        if name == "audit":
            continue  # ids, routes and outcomes only, kept for the legal period by design
        allowed = TOMBSTONE_FIELDS.get(name)
        for doc in docs:
            extra = allowed is None or not set(doc) <= allowed
            if name == "person_facts":
                extra = extra or bool(doc.get("facts")) or "erased_at" not in doc
            if name == "persons":
                extra = extra or "erased_at" not in doc
            if name == "outbox":
                extra = extra or '"type":"peerlink.person.erased.v1"' not in str(doc["body"])
            if extra:
                left.setdefault(name, []).append(doc)
    return left
