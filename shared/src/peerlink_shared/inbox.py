"""Remembers which events a service has fully handled, so a redelivered copy changes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from peerlink_shared.mongo import Database, insert_all_once


class Inbox:
    def __init__(self, db: Database) -> None:
        self._handled = db["inbox"]

    async def seen(self, event_id: str) -> bool:
        return await self._handled.find_one({"_id": event_id}, {"_id": 1}) is not None

    async def remember_all(self, event_ids: Sequence[str], *, at: datetime) -> None:
        """Remembers a batch in one write; ids already remembered (a batch handled again
        after a crash, or by a racing replica) are left as they are."""
        documents = [{"_id": event_id, "handled_at": at} for event_id in event_ids]
        await insert_all_once(self._handled, documents)
