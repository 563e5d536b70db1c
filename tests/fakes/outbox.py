"""An outbox that keeps what was added, in order, by topic."""

from __future__ import annotations

from collections.abc import Sequence

from peerlink_shared.messaging.envelope import Envelope


class RecordingOutbox:
    """Satisfies `peerlink_shared.messaging.publishing.EventSink`; an id added twice is kept
    once, as the
    real outbox's unique index does."""

    def __init__(self) -> None:
        self.added: list[tuple[str, Envelope]] = []

    async def add(self, *, envelope: Envelope, topic: str) -> None:
        await self.add_all(envelopes=[envelope], topic=topic)

    async def add_all(self, *, envelopes: Sequence[Envelope], topic: str) -> None:
        known = {envelope.id for _, envelope in self.added}
        self.added.extend((topic, e) for e in envelopes if e.id not in known)

    def on(self, topic: str) -> list[Envelope]:
        return [envelope for where, envelope in self.added if where == topic]

    def types(self) -> list[str]:
        return [envelope.type for _, envelope in self.added]
