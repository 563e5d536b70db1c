"""Centre policies, versioned: every version kept; a version number is claimed by one writer."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from dataclasses import asdict
from datetime import datetime

from peerlink_shared.storage.mongo import Database, Document, insert_once

from peerlink_eligibility.domain.policy import Policy, default_policy


class PolicyRepository:
    def __init__(self, db: Database) -> None:
        self._versions = db["policy_versions"]
        self._current = db["policies"]

    async def ensure_indexes(self) -> None:
        await self._versions.create_index([("centre_id", 1), ("version", 1)])
        await self._current.create_index([("accept_network_graduates", 1)])

    async def current(self, centre_id: str) -> Policy:
        doc = await self._current.find_one({"_id": centre_id})
        return default_policy(centre_id) if doc is None else _policy(doc)

    async def add_version(self, policy: Policy, *, at: datetime) -> bool:
        return await insert_once(
            self._versions,
            {"_id": f"{policy.centre_id}:v{policy.version}", **asdict(policy), "changed_at": at},
        )

    async def make_current(self, policy: Policy) -> None:
        # Only ever moves forward, so a late writer of an older version cannot win.
        await self._current.update_one(
            {"_id": policy.centre_id, "version": {"$lt": policy.version}},
            {"$set": asdict(policy)},
            upsert=False,
        )
        await insert_once(self._current, {"_id": policy.centre_id, **asdict(policy)})

    async def history(self, centre_id: str) -> list[Policy]:
        cursor = self._versions.find({"centre_id": centre_id}).sort("version", 1)
        return [_policy(doc) async for doc in cursor]

    async def open_to_network(self) -> list[Policy]:
        cursor = self._current.find({"accept_network_graduates": True})
        return [_policy(doc) async for doc in cursor]

    async def concerning(self, centres: Collection[str], *, graduate: bool) -> dict[str, Policy]:
        # Lookups by `_id` and by the open flag, side by side: FerretDB v1 would answer one
        # `$in` or `$or` query by reading every policy.
        async with asyncio.TaskGroup() as group:
            lookups = [group.create_task(self.current(centre)) for centre in sorted(centres)]
            opened = group.create_task(self.open_to_network()) if graduate else None
        found = [lookup.result() for lookup in lookups]
        found += opened.result() if opened else []
        return {policy.centre_id: policy for policy in found}


def _policy(doc: Document) -> Policy:
    fields = {name: doc[name] for name in Policy.__dataclass_fields__ if name in doc}
    return Policy(**fields)
