"""The consumer's edges in memory: the inbox of handled events and the dead-letter topics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from peerlink_shared.messaging.dead_letters import Refusal


class MemoryInbox:
    """`HandledEvents` over a set."""

    def __init__(self) -> None:
        self.keys: set[str] = set()

    async def seen(self, key: str) -> bool:
        return key in self.keys

    async def remember_all(self, keys: Sequence[str], *, at: datetime) -> None:
        self.keys.update(keys)


@dataclass(frozen=True)
class DeadLetter:
    topic: str
    offset: int
    key: bytes | None
    body: bytes
    refusal: Refusal


@dataclass
class DeadLetters:
    """`DeadLetterSink` that keeps what it is sent."""

    sent: list[DeadLetter] = field(default_factory=list)

    async def __call__(
        self,
        *,
        topic: str,
        partition: int,
        offset: int,
        key: bytes | None,
        body: bytes,
        refusal: Refusal,
    ) -> None:
        self.sent.append(DeadLetter(topic, offset, key, body, refusal))

    def reasons(self) -> list[tuple[int, str]]:
        return [(letter.offset, letter.refusal.code.value) for letter in self.sent]
