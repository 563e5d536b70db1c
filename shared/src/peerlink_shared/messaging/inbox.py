"""Remembers which events a service has fully handled, so a redelivered copy changes nothing.

An event is known by who sent it and its CloudEvents `source` and `id`: the spec makes only
`source` + `id` unique, so two producers may well choose the same `id`. The sender is the
authenticated writer of the topic it came on (a clinic, for intake's clinic topics), or ""
for a topic that only its owning service writes; `source` is what the event says, and
cannot make one sender's event pass for another's.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from peerlink_shared.storage.mongo import Database, insert_all_once


def inbox_key(*, sender: str, source: str, event_id: str) -> str:
    """One string `_id` (a single indexed lookup), and unambiguous: a JSON array, so no
    choice of `source` and `id` can spell another pair's key. ASCII-escaped, so even a lone
    surrogate in an id can be stored."""
    return json.dumps([sender, source, event_id], separators=(",", ":"))


class Inbox:
    def __init__(self, db: Database) -> None:
        self._handled = db["inbox"]

    async def seen(self, key: str) -> bool:
        return await self._handled.find_one({"_id": key}, {"_id": 1}) is not None

    async def remember_all(self, keys: Sequence[str], *, at: datetime) -> None:
        """Remembers a batch in one write; keys already remembered (a batch handled again
        after a crash, or by a racing replica) are left as they are."""
        documents = [{"_id": key, "handled_at": at} for key in keys]
        await insert_all_once(self._handled, documents)
