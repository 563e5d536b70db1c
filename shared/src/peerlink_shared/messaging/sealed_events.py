"""Where events are sealed and opened: the outbox seals what it records, the consumer opens
what it reads, each in one place for every service."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import structlog

from peerlink_shared.keys import PersonKeyDestroyed, PersonKeys
from peerlink_shared.messaging.envelope import Envelope
from peerlink_shared.messaging.sealing import (
    SealBroken,
    is_sealed_type,
    open_sealed,
    person_of,
    seal,
)

log = structlog.get_logger("peerlink.sealing")


@dataclass(frozen=True)
class KeyDestroyed:
    """The event's person was erased: what it sealed can never be read again."""

    person_id: str


class EventSeal:
    def __init__(self, *, keys: PersonKeys, seal_payloads: bool = True) -> None:
        self._keys = keys
        # Off only to measure what sealing costs (the pipeline benchmark); opening is always on.
        self._seal_payloads = seal_payloads

    async def seal(self, envelope: Envelope) -> Envelope:
        """The envelope sealed under its person's key if its type is sealed; raises
        PersonKeyDestroyed for an erased person."""
        if not self._seal_payloads or not is_sealed_type(envelope.type):
            return envelope
        person = person_of(envelope)
        if person is None:
            # The contract requires person_id on every sealed type: validation refuses it.
            return envelope
        return seal(envelope, await self._keys.key_for(person))

    async def seal_all(self, envelopes: Sequence[Envelope]) -> list[Envelope]:
        """Each envelope sealed; an erased person's are left out (logged)."""
        sealed = []
        for envelope in envelopes:
            try:
                sealed.append(await self.seal(envelope))
            except PersonKeyDestroyed:
                log.info("event_not_recorded", reason="key_destroyed", event_type=envelope.type)
        return sealed

    async def open(self, envelope: Envelope) -> Envelope | KeyDestroyed:
        """The envelope whole again; unsealed ones as they are. Raises SealBroken."""
        if envelope.personkeyid is None:
            return envelope
        person = person_of(envelope)
        if person is None:
            raise SealBroken("a sealed event names no person_id")
        key = await self._keys.existing(person)
        if key is None:
            if await self._keys.destroyed(person):
                return KeyDestroyed(person)
            raise SealBroken("the person has no data key")
        return open_sealed(envelope, key)
