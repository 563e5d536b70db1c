"""What every service process holds: clients, outbox relay, consumer, and their lifecycle.

Built once in a service's bootstrap and passed explicitly; clients connect in the FastAPI
lifespan, never at import.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Protocol

import structlog
from fastapi import FastAPI

from peerlink_shared.auditing.audit_log import AuditLog
from peerlink_shared.clock import Clock
from peerlink_shared.keys import PersonKeys
from peerlink_shared.messaging.consumer import EventConsumer
from peerlink_shared.messaging.consumer_health import ConsumerHealth
from peerlink_shared.messaging.inbox import Inbox
from peerlink_shared.messaging.kafka import make_broker
from peerlink_shared.messaging.outbox import Outbox, OutboxRelay
from peerlink_shared.messaging.sealed_events import EventSeal
from peerlink_shared.messaging.subscriptions import Subscription, subscribe_all
from peerlink_shared.observability.tracing import Tracing
from peerlink_shared.settings import ServiceSettings
from peerlink_shared.storage.mongo import make_mongo_client, mongo_ready
from peerlink_shared.storage.retention import RetentionSweeper

log = structlog.get_logger("peerlink.runtime")

StartupHook = Callable[[], Awaitable[None]]


class BackgroundTask(Protocol):
    """Runs beside the consumers from start to stop (outbox relay, clock reviewer)."""

    def start(self) -> None: ...

    async def stop(self) -> None: ...


class ServiceRuntime:
    def __init__(
        self, *, service: str, settings: ServiceSettings, clock: Clock | None = None
    ) -> None:
        self.service = service
        self.settings = settings
        self.clock = clock or settings.clock()
        self.topics = settings.topics
        # Before the MongoDB client: PyMongo's command listeners are taken when it is made.
        self.tracing = Tracing.from_environment(service=service)
        tracer = self.tracing.tracer if self.tracing else None
        # Refuses to start without a usable PEERLINK_KEY_ENCRYPTION_KEYS (names it).
        ring = settings.key_ring()
        self.mongo = make_mongo_client(settings.mongo_url)
        self.db = self.mongo[settings.mongo_database]
        self.broker = make_broker(
            kafka=settings.kafka_access(),
            client_id=f"peerlink-{service}",
            metadata_max_age_ms=settings.kafka_metadata_max_age_ms,
        )
        self.keys = PersonKeys(
            self.mongo[settings.key_vault_db],
            ring=ring,
            now=self.clock.now,
            cache_seconds=settings.key_cache_seconds,
        )
        self.seal = EventSeal(keys=self.keys, seal_payloads=settings.seal_payloads)
        self.outbox = Outbox(self.db, clock=self.clock, seal=self.seal)
        self.relay = OutboxRelay(
            outbox=self.outbox,
            broker=self.broker,
            publish_timeout=settings.publish_timeout_seconds,
            tracer=tracer,
        )
        self.consumer = EventConsumer(
            broker=self.broker,
            inbox=Inbox(self.db),
            clock=self.clock,
            publish_timeout=settings.publish_timeout_seconds,
            max_attempts=settings.consumer_max_attempts,
            health=ConsumerHealth(stuck_after_seconds=settings.consumer_stuck_seconds),
            tracer=tracer,
            seal=self.seal,
        )
        self.audit = AuditLog(self.db)
        # A service adds its own stores' expiries (retention.add) before it starts.
        self.retention = RetentionSweeper(
            db=self.db,
            clock=self.clock,
            expiries=settings.expiries(),
            every_seconds=settings.retention_sweep_minutes * 60,
        )
        self.startup_hooks: list[StartupHook] = [
            self.outbox.ensure_indexes,
            self.audit.ensure_indexes,
            self.retention.ensure_indexes,
        ]
        self.background: list[BackgroundTask] = [self.relay, self.retention]
        # What the consumer is subscribed to: the AsyncAPI document's receive channels.
        self.subscriptions: list[Subscription] = []

    def subscribe(self, subscriptions: Sequence[Subscription]) -> None:
        """Subscribes the service's consumer group to its table, and keeps the table."""
        subscribe_all(self.consumer, subscriptions, group_id=self.settings.consumer_group)
        self.subscriptions.extend(subscriptions)

    async def kafka_ready(self) -> bool:
        try:
            return await self.broker.ping(timeout=2.0)
        except Exception:
            return False

    async def mongo_ready(self) -> bool:
        return await mongo_ready(self.mongo)

    @contextlib.asynccontextmanager
    async def lifespan(self, _app: FastAPI) -> AsyncIterator[None]:
        for hook in self.startup_hooks:
            await hook()
        await self.broker.start()
        for task in self.background:
            task.start()
        log.info("service_started", port=self.settings.http_port)
        try:
            yield
        finally:
            log.info("service_stopping")
            # Every step bounded: a stop that hangs (an idempotent producer with Kafka away,
            # a loop stuck in a call) must not keep the process from exiting.
            for task in reversed(self.background):
                await stop_within(task.stop(), what="background_task", timeout=15)
            await stop_within(self.broker.stop(), what="broker", timeout=30)
            await stop_within(self.mongo.close(), what="mongo", timeout=10)
            if self.tracing is not None:
                # The last spans (this stop's own among them) go out before the exit.
                await stop_within(
                    asyncio.to_thread(self.tracing.shutdown), what="tracing", timeout=10
                )
            log.info("service_stopped")


async def stop_within(step: Awaitable[object], *, what: str, timeout: float) -> None:
    try:
        await asyncio.wait_for(step, timeout=timeout)
    except TimeoutError:
        log.warning("stop_timed_out", step=what, seconds=timeout)
