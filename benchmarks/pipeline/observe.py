"""Watches a side's output topics, outside any consumer group: when each graduate's first
eligible decision (on eligibility-changes) and first message (on notification-events, a
booking: nothing else is said to a graduate in this workload) arrive, on the loop clock."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterable
from typing import Any, Protocol

from aiokafka import AIOKafkaConsumer
from peerlink_shared.contracts import EligibilityChanged, MessageRecorded
from peerlink_shared.messaging.kafka_access import KafkaAccess

ELIGIBILITY_CHANGED = EligibilityChanged.event_type()


class Events(Protocol):
    async def expect(self, persons: Iterable[str]) -> None: ...

    async def event(self, value: bytes) -> dict[str, Any] | None: ...


MESSAGE_RECORDED = MessageRecorded.event_type()


class Observer:
    def __init__(
        self,
        *,
        kafka: KafkaAccess,
        eligibility_topic: str,
        notification_topic: str,
        events: Events | None = None,
    ) -> None:
        # Opens sealed events (eligibility changes) as the services do; None: plain JSON.
        self._events = events
        # Topics are new for every run, so reading from the start misses nothing.
        self._consumer = AIOKafkaConsumer(
            eligibility_topic,
            notification_topic,
            **kafka.client_options(),
            group_id=None,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        self._watched: frozenset[str] = frozenset()
        self.eligible_at: dict[str, float] = {}
        self.booked_at: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._consumer.start()
        self._task = asyncio.create_task(self._run())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._consumer.stop()

    async def watch(self, persons: Iterable[str]) -> None:
        """From now on, notes arrivals for these graduates only (a new step). Their keys are
        read first, so that opening their sealed events costs no vault read on the way."""
        watched = frozenset(persons)
        if self._events is not None:
            await self._events.expect(watched)
        self._watched = watched
        self.eligible_at = {}
        self.booked_at = {}

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = await self._consumer.getmany(timeout_ms=200)
            now = loop.time()
            for records in batch.values():
                for record in records:
                    await self._note(record.value, now)

    async def _note(self, value: bytes, now: float) -> None:
        try:
            event = json.loads(value) if self._events is None else await self._events.event(value)
            if event is None:
                return
            kind, data = event["type"], event["data"]
        except (ValueError, KeyError, TypeError):
            return
        if kind == ELIGIBILITY_CHANGED and data.get("eligible") is True:
            person = data.get("person_id")
            if person in self._watched:
                self.eligible_at.setdefault(person, now)
        elif kind == MESSAGE_RECORDED:
            person = data.get("recipient_id")
            if person in self._watched:
                self.booked_at.setdefault(person, now)
