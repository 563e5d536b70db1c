"""The one way services consume Kafka: parse, refuse to the dead-letter topic, dedup, handle.

Untrusted bytes never crash a consumer and are never dropped silently. Records arrive in
batches (one poll); a batch is committed (FastStream's ACK policy) only after every record
in it was handled, recognised as a duplicate, ignored as another service's concern, or
copied to `<topic>.dlq` with a reason code.

Within a batch each partition's records are handled in order, and the partitions side by
side: a key lives on one partition, so each aggregate still has one writer at a time, as
it would with one replica per partition. Events are known by sender, `source` and `id`
(`inbox_key`): the sender is the clinic whose topic a pattern subscription matched, or ""
on a topic its owning service alone writes. The handled ones are remembered in the inbox with
one write per batch, and the batch is committed with one offset commit, instead of one of
each per record. A crash before that write makes Kafka redeliver the batch; handlers are
idempotent (deterministic outbox ids, unique inserts), so handling a record again changes
nothing, and the inbox spares the work for records whose batch was completed.
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
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
from peerlink_shared.inbox import Inbox, inbox_key
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
    """How one event type is handled: `bind` validates the payload of an envelope from a
    sender, then returns the call."""

    event_type: str
    bind: Callable[[Envelope, str], Callable[[], Awaitable[None]]]


def route(model: type[P], handler: Callable[[Envelope, P], Awaitable[None]]) -> Route:
    def bind(envelope: Envelope, _sender: str) -> Callable[[], Awaitable[None]]:
        payload = model.model_validate(envelope.data)
        return lambda: handler(envelope, payload)

    return Route(event_type=model.event_type(), bind=bind)


def sender_route(model: type[P], handler: Callable[[Envelope, P, str], Awaitable[None]]) -> Route:
    """A route whose handler is also told the sender (for a pattern subscription)."""

    def bind(envelope: Envelope, sender: str) -> Callable[[], Awaitable[None]]:
        payload = model.model_validate(envelope.data)
        return lambda: handler(envelope, payload, sender)

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
    """What one poll's records share: the inbox keys handled so far (for copies within the
    batch), to be remembered in the inbox together once the batch is done."""

    handled: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)

    def add(self, key: str) -> None:
        self.handled.append(key)
        self.ids.add(key)


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
        topic: str | re.Pattern[str],
        group_id: str,
        routes: Sequence[Route],
        strict: bool = False,
        max_poll_interval_ms: int = 5 * 60 * 1000,
    ) -> None:
        """Registers a subscriber. `strict`: a type with no route here is refused (untrusted
        topics), instead of ignored as another service's concern (internal topics).

        `topic` is a topic's name, or a pattern: every topic it matches, now or once it is
        created (within the broker's metadata refresh interval), whose group `sender` names
        the one principal that may write that topic."""
        table = {item.event_type: item for item in routes}
        if isinstance(topic, re.Pattern):
            if "{" in topic.pattern or "sender" not in topic.groupindex:
                raise ValueError("a pattern needs a group 'sender' and no braces")
            topics: tuple[str, ...] = ()
            pattern: str | None = topic.pattern
            title = topic.pattern
        else:
            topics, pattern, title = (topic,), None, topic
        sender_of = _sender_of(topic)

        @self._broker.subscriber(
            *topics,
            pattern=pattern,
            group_id=group_id,
            auto_offset_reset="earliest",
            ack_policy=SUBSCRIBER_ACK_POLICY,
            batch=True,
            max_records=self._max_batch,
            batch_timeout_ms=BATCH_WAIT_MS,
            session_timeout_ms=10000,
            heartbeat_interval_ms=1000,
            max_poll_interval_ms=max_poll_interval_ms,
            title=f"{group_id}:{title}",
        )
        async def consume(message: KafkaMessage) -> None:
            raw = message.raw_message
            records: tuple[ConsumerRecord[bytes, bytes], ...] = (
                raw if isinstance(raw, tuple) else (raw,)
            )
            if records:
                await self._consume_batch(records, sender_of=sender_of, table=table, strict=strict)

    async def _consume_batch(
        self,
        records: Sequence[ConsumerRecord[bytes, bytes]],
        *,
        sender_of: Callable[[str], str],
        table: dict[str, Route],
        strict: bool,
    ) -> None:
        # By topic too: a pattern subscription's batch holds several topics' partitions.
        by_partition: dict[tuple[str, int], list[ConsumerRecord[bytes, bytes]]] = {}
        for record in records:
            by_partition.setdefault((record.topic, record.partition), []).append(record)
        batch = _Batch()
        # A task group, not gather: if one partition fails, the others are cancelled before
        # the batch is sought back, instead of running on unseen.
        async with asyncio.TaskGroup() as group:
            for (topic, _), in_order in by_partition.items():
                group.create_task(
                    self._consume_partition(
                        in_order,
                        batch=batch,
                        topic=topic,
                        sender=sender_of(topic),
                        table=table,
                        strict=strict,
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
        sender: str,
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
                    sender=sender,
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
        sender: str,
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
                call = selected.bind(envelope, sender)
            except ValidationError as error:
                await refuse(Refusal(ReasonCode.INVALID_PAYLOAD, describe_validation_error(error)))
                return
            known_as = inbox_key(sender=sender, source=envelope.source, event_id=envelope.id)
            if known_as in batch.ids or await self._inbox.seen(known_as):
                EVENTS_CONSUMED.labels(topic=topic, outcome="duplicate").inc()
                log.info("event_duplicate_ignored")
                return
            failure = await self._run(call, topic=topic)
            if failure is not None:
                await refuse(failure)
                return
            batch.add(known_as)
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


def _sender_of(subscribed: str | re.Pattern[str]) -> Callable[[str], str]:
    """Who wrote a record, from the topic it is on: the pattern's `sender`, or "" for a
    named topic (written by its owning service alone)."""
    if isinstance(subscribed, str):
        return lambda _topic: ""
    pattern = subscribed

    def sender(topic: str) -> str:
        found = pattern.match(topic)
        if found is None:
            # Kafka hands a pattern subscription only topics the pattern matched.
            raise LookupError(f"{topic} does not match the subscribed pattern")
        return found["sender"]

    return sender
