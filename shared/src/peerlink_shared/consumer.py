"""The one way services consume Kafka: parse, refuse to the dead-letter topic, dedup, handle.

Untrusted bytes never crash a consumer and are never dropped silently. Records arrive in
batches (one poll); a batch is committed (FastStream's ACK policy) only after every record
in it was handled, recognised as a duplicate, ignored as another service's concern, or
copied to `<topic>.dlq` with a reason code.

Within a batch each partition's records are handled in order, and the partitions side by
side: a key lives on one partition, so each aggregate still has one writer at a time, as
it would with one replica per partition. The handled ids are remembered in the inbox with
one write per batch, and the batch is committed with one offset commit, instead of one of
each per record. A crash before that write makes Kafka redeliver the batch; handlers are
idempotent (deterministic outbox ids, unique inserts), so handling a record again changes
nothing, and the inbox spares the work for records whose batch was completed.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import structlog
from aiokafka import ConsumerRecord
from aiokafka.errors import KafkaError
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from pydantic import ValidationError
from pymongo.errors import ConnectionFailure

from peerlink_shared.clock import Clock
from peerlink_shared.contracts import PAYLOAD_BY_TYPE, Payload
from peerlink_shared.dead_letters import (
    ReasonCode,
    Refusal,
    Refused,
    describe_validation_error,
    send_to_dead_letters,
)
from peerlink_shared.envelope import Envelope
from peerlink_shared.inbox import Inbox
from peerlink_shared.kafka import SUBSCRIBER_ACK_POLICY
from peerlink_shared.metrics import DEAD_LETTERS, EVENTS_CONSUMED, HANDLER_RETRIES

P = TypeVar("P", bound=Payload)
T = TypeVar("T")
log = structlog.get_logger("peerlink.consumer")

MAX_EVENT_BYTES = 256 * 1024
# Infrastructure that is down is waited for (the partition pauses); anything else is a
# defect in handling this one event, retried a few times, then dead-lettered.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    ConnectionFailure,
    KafkaError,
    TimeoutError,
    ConnectionError,
)
MAX_BACKOFF_SECONDS = 5.0
# Records per poll, and how long a poll waits for the first one. FastStream sleeps as long
# again after an empty poll, so the wait bounds the latency an idle consumer adds per hop.
MAX_BATCH_RECORDS = 200
BATCH_WAIT_MS = 5


@dataclass(frozen=True)
class Route:
    """How one event type is handled: `bind` validates the payload, then returns the call."""

    event_type: str
    bind: Callable[[Envelope], Callable[[], Awaitable[None]]]


def route(model: type[P], handler: Callable[[Envelope, P], Awaitable[None]]) -> Route:
    def bind(envelope: Envelope) -> Callable[[], Awaitable[None]]:
        payload = model.model_validate(envelope.data)
        return lambda: handler(envelope, payload)

    return Route(event_type=model.event_type(), bind=bind)


def _forbidden_key(value: object, where: str) -> str | None:
    """Whether a key starts with '$', holds a '.' or a NUL, at any depth: such keys mean
    something to MongoDB and nothing to any contract. Names only the envelope field it is
    under (keys may be anything a sender chose, names included)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key.startswith("$") or "." in key or "\x00" in key:
                return f"a key under {where} starts with '$' or holds '.' or NUL"
            inner = where if where != "the envelope" else f"'{key}'" if key.isidentifier() else "?"
            if (found := _forbidden_key(item, inner)) is not None:
                return found
    elif isinstance(value, list):
        for item in value:
            if (found := _forbidden_key(item, where)) is not None:
                return found
    return None


def parse_envelope(body: bytes) -> Envelope | Refusal:
    if len(body) > MAX_EVENT_BYTES:
        return Refusal(ReasonCode.OVERSIZED, f"{len(body)} bytes > {MAX_EVENT_BYTES}")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return Refusal(ReasonCode.NOT_UTF8, "body is not UTF-8")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        return Refusal(ReasonCode.MALFORMED_JSON, f"line {error.lineno} column {error.colno}")
    if (where := _forbidden_key(document, "the envelope")) is not None:
        return Refusal(ReasonCode.FORBIDDEN_KEY, where)
    try:
        envelope = Envelope.model_validate(document)
    except ValidationError as error:
        return Refusal(ReasonCode.INVALID_ENVELOPE, describe_validation_error(error))
    if envelope.type not in PAYLOAD_BY_TYPE:
        # Only the type string's shape is described, not the value itself.
        return Refusal(ReasonCode.UNKNOWN_EVENT_TYPE, "type is not in the contract catalogue")
    return envelope


@dataclass
class _Batch:
    """What one poll's records share: the ids handled so far (for copies within the batch),
    to be remembered in the inbox together once the batch is done."""

    handled: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)

    def add(self, event_id: str) -> None:
        self.handled.append(event_id)
        self.ids.add(event_id)


class EventConsumer:
    def __init__(
        self,
        *,
        broker: KafkaBroker,
        inbox: Inbox,
        clock: Clock,
        publish_timeout: float,
        max_attempts: int = 3,
        max_batch: int = MAX_BATCH_RECORDS,
    ) -> None:
        self._broker = broker
        self._inbox = inbox
        self._clock = clock
        self._publish_timeout = publish_timeout
        self._max_attempts = max_attempts
        self._max_batch = max_batch

    def subscribe(
        self,
        *,
        topic: str,
        group_id: str,
        routes: Sequence[Route],
        strict: bool = False,
        max_poll_interval_ms: int = 5 * 60 * 1000,
    ) -> None:
        """Registers a subscriber. `strict`: a type with no route here is refused (untrusted
        topics), instead of ignored as another service's concern (internal topics)."""
        table = {item.event_type: item for item in routes}

        @self._broker.subscriber(
            topic,
            group_id=group_id,
            auto_offset_reset="earliest",
            ack_policy=SUBSCRIBER_ACK_POLICY,
            batch=True,
            max_records=self._max_batch,
            batch_timeout_ms=BATCH_WAIT_MS,
            session_timeout_ms=10000,
            heartbeat_interval_ms=1000,
            max_poll_interval_ms=max_poll_interval_ms,
            title=f"{group_id}:{topic}",
        )
        async def consume(message: KafkaMessage) -> None:
            raw = message.raw_message
            records: tuple[ConsumerRecord[bytes, bytes], ...] = (
                raw if isinstance(raw, tuple) else (raw,)
            )
            if records:
                await self._consume_batch(records, topic=topic, table=table, strict=strict)

    async def _consume_batch(
        self,
        records: Sequence[ConsumerRecord[bytes, bytes]],
        *,
        topic: str,
        table: dict[str, Route],
        strict: bool,
    ) -> None:
        by_partition: dict[int, list[ConsumerRecord[bytes, bytes]]] = {}
        for record in records:
            by_partition.setdefault(record.partition, []).append(record)
        batch = _Batch()
        # A task group, not gather: if one partition fails, the others are cancelled before
        # the batch is sought back, instead of running on unseen.
        async with asyncio.TaskGroup() as group:
            for in_order in by_partition.values():
                group.create_task(
                    self._consume_partition(
                        in_order, batch=batch, topic=topic, table=table, strict=strict
                    )
                )
        if batch.handled:
            at = self._clock.now()
            await self._until_done(lambda: self._inbox.remember_all(batch.handled, at=at))

    async def _consume_partition(
        self,
        records: Sequence[ConsumerRecord[bytes, bytes]],
        *,
        batch: _Batch,
        topic: str,
        table: dict[str, Route],
        strict: bool,
    ) -> None:
        for record in records:
            with structlog.contextvars.bound_contextvars(
                topic=topic, partition=record.partition, offset=record.offset
            ):
                step = functools.partial(
                    self._consume,
                    topic=topic,
                    table=table,
                    strict=strict,
                    body=record.value or b"",
                    key=record.key,
                    partition=record.partition,
                    offset=record.offset,
                    batch=batch,
                )
                await self._until_done(step)

    async def _until_done(self, step: Callable[[], Awaitable[T]]) -> T:
        """Repeats the whole (idempotent) step while infrastructure is away: a batch is
        committed only once every record was handled, ignored or dead-lettered. Anything
        else escapes to FastStream, whose NACK_ON_ERROR policy seeks back to redeliver."""
        attempt = 0
        while True:
            try:
                return await step()
            except TRANSIENT_ERRORS as error:
                attempt += 1
                log.warning("consumer_waiting_for_infrastructure", error=type(error).__name__)
                await asyncio.sleep(min(MAX_BACKOFF_SECONDS, 0.2 * 2 ** min(attempt, 5)))

    async def _consume(
        self,
        *,
        topic: str,
        table: dict[str, Route],
        strict: bool,
        body: bytes,
        key: bytes | None,
        partition: int,
        offset: int,
        batch: _Batch,
    ) -> None:
        async def refuse(refusal: Refusal) -> None:
            await send_to_dead_letters(
                self._broker,
                topic=topic,
                partition=partition,
                offset=offset,
                key=key,
                body=body,
                refusal=refusal,
                timeout=self._publish_timeout,
            )
            DEAD_LETTERS.labels(topic=topic, reason=refusal.code.value).inc()
            EVENTS_CONSUMED.labels(topic=topic, outcome="dead_lettered").inc()
            log.warning(
                "event_dead_lettered", reason_code=refusal.code.value, reason=refusal.detail
            )

        parsed = parse_envelope(body)
        if isinstance(parsed, Refusal):
            await refuse(parsed)
            return
        envelope = parsed
        with structlog.contextvars.bound_contextvars(
            event_id=envelope.id, correlation_id=envelope.correlationid, event_type=envelope.type
        ):
            selected = table.get(envelope.type)
            if selected is None and strict:
                await refuse(Refusal(ReasonCode.UNKNOWN_EVENT_TYPE, "type is not accepted here"))
                return
            if selected is None:
                EVENTS_CONSUMED.labels(topic=topic, outcome="ignored").inc()
                return
            try:
                call = selected.bind(envelope)
            except ValidationError as error:
                await refuse(Refusal(ReasonCode.INVALID_PAYLOAD, describe_validation_error(error)))
                return
            if envelope.id in batch.ids or await self._inbox.seen(envelope.id):
                EVENTS_CONSUMED.labels(topic=topic, outcome="duplicate").inc()
                log.info("event_duplicate_ignored")
                return
            failure = await self._run(call, topic=topic)
            if failure is not None:
                await refuse(failure)
                return
            batch.add(envelope.id)
            EVENTS_CONSUMED.labels(topic=topic, outcome="handled").inc()
            log.info("event_handled")

    async def _run(self, call: Callable[[], Awaitable[None]], *, topic: str) -> Refusal | None:
        attempt = 0
        while True:
            attempt += 1
            try:
                await call()
                return None
            except Refused as refused:
                return refused.refusal
            except TRANSIENT_ERRORS:
                # An outage, not a bad event: the whole step is retried by _until_done.
                raise
            except Exception as error:
                if attempt >= self._max_attempts:
                    log.exception("handler_failed", attempts=attempt)
                    return Refusal(
                        ReasonCode.HANDLER_FAILED,
                        f"{type(error).__name__} after {attempt} attempts",
                    )
                log.warning("handler_retrying", attempt=attempt, error=type(error).__name__)
            HANDLER_RETRIES.labels(topic=topic).inc()
            await asyncio.sleep(min(MAX_BACKOFF_SECONDS, 0.2 * 2 ** min(attempt, 5)))
