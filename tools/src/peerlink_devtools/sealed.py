"""Reads a started network's sealed events as its services do: for tools that watch topics
from outside (benchmarks), with the network's own key vault and KEK."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from peerlink_shared.keys import KeyRing, PersonKeys
from peerlink_shared.messaging.envelope import Envelope
from peerlink_shared.messaging.sealed_events import EventSeal
from peerlink_shared.messaging.sealing import SealBroken
from peerlink_shared.storage.mongo import make_mongo_client

from peerlink_devtools.processes import Network

# A watcher keeps keys for a whole benchmark step; the services keep theirs 30 s.
KEEP_KEYS_SECONDS = 300.0


class NetworkEvents:
    """Opens a record's event with the network's vault; `close` when done."""

    def __init__(self, network: Network) -> None:
        self._client = make_mongo_client(network.mongo_url)
        self._keys = PersonKeys(
            self._client[network.key_vault_db],
            ring=KeyRing.parse(network.key_encryption_keys),
            now=lambda: datetime.now(UTC),
            cache_seconds=KEEP_KEYS_SECONDS,
        )
        self._seal = EventSeal(keys=self._keys)

    async def expect(self, persons: Iterable[str]) -> None:
        """Reads these persons' keys now, so that opening their events later reads nothing
        (a watcher timing arrivals must not wait on the vault)."""
        for person in persons:
            await self._keys.existing(person)

    async def event(self, value: bytes) -> dict[str, Any] | None:
        """The event, its payload opened; None if it is not an event or will not open."""
        try:
            event = json.loads(value)
            if not isinstance(event, dict):
                return None
            if event.get("personkeyid") is None:
                return event
            opened = await self._seal.open(Envelope.model_validate(event))
        except (ValueError, SealBroken):  # junk, or a seal that does not open
            return None
        return {**event, "data": opened.data} if isinstance(opened, Envelope) else None

    async def close(self) -> None:
        await self._client.close()
