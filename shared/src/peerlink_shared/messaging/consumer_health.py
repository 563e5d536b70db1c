"""Whether a consumer is making progress: the record each partition has in hand, and how
long it has kept failing. `/ready` answers 503 while one has kept failing past a threshold.

Only failures count, not time: a healthy handler may run long (eligibility's bulk
re-evaluation runs inside one), but a record that has failed for a minute, whether an
outage is being waited out or a handler is being retried, holds its partition still.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _InHand:
    offset: int
    first_failed_at: float | None = None
    failures: int = 0
    last_error: str = ""


@dataclass(frozen=True)
class StuckPartition:
    topic: str
    partition: int
    offset: int
    failing_seconds: float
    failures: int
    why: str


class ConsumerHealth:
    def __init__(
        self, *, stuck_after_seconds: float, now: Callable[[], float] = time.monotonic
    ) -> None:
        self._stuck_after = stuck_after_seconds
        self._now = now
        self._in_hand: dict[tuple[str, int], _InHand] = {}

    def taking(self, topic: str, partition: int, offset: int) -> None:
        self._in_hand[(topic, partition)] = _InHand(offset)

    def failed(self, topic: str, partition: int, why: str) -> None:
        """`why`: what kind of failure, never the event's content (error class names)."""
        held = self._in_hand.get((topic, partition))
        if held is None:
            return
        if held.first_failed_at is None:
            held.first_failed_at = self._now()
        held.failures += 1
        held.last_error = why

    def finished(self, topic: str, partition: int) -> None:
        self._in_hand.pop((topic, partition), None)

    def stuck(self) -> list[StuckPartition]:
        now = self._now()
        found = []
        for (topic, partition), held in sorted(self._in_hand.items()):
            if held.first_failed_at is None:
                continue
            failing = now - held.first_failed_at
            if failing > self._stuck_after:
                found.append(
                    StuckPartition(
                        topic=topic,
                        partition=partition,
                        offset=held.offset,
                        failing_seconds=round(failing, 1),
                        failures=held.failures,
                        why=held.last_error,
                    )
                )
        return found
