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

A sealed payload (health facts under the person's data key) is opened before the payload is
validated; one whose person's key was destroyed (a replay after erasure) is skipped, counted
and logged, and the batch committed as usual (`EventConsumer._open`).

No record holds its partition for good: an outage is waited out, any other failure is
retried a bounded number of times and then dead-lettered (`EventConsumer._consume_record`),
and a record that keeps failing shows in `/ready` (`consumer_health`).
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, TypeVar

import structlog
from aiokafka import ConsumerRecord
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.message import StreamMessage
from opentelemetry.trace import Tracer
from pydantic import ValidationError

from peerlink_shared.clock import Clock
from peerlink_shared.contracts import Payload
from peerlink_shared.keys import PersonKeyDestroyed
from peerlink_shared.messaging.consumer_health import ConsumerHealth
from peerlink_shared.messaging.dead_letters import (
    ReasonCode,
    Refusal,
    Refused,
    describe_validation_error,
    send_to_dead_letters,
)
from peerlink_shared.messaging.envelope import Envelope
from peerlink_shared.messaging.inbox import inbox_key
from peerlink_shared.messaging.kafka import SUBSCRIBER_ACK_POLICY
from peerlink_shared.messaging.parsing import parse_envelope
from peerlink_shared.messaging.sealed_events import EventSeal, KeyDestroyed
from peerlink_shared.messaging.sealing import SealBroken
from peerlink_shared.observability.metrics import (
    DEAD_LETTERS,
    EVENTS_CONSUMED,
    HANDLER_RETRIES,
    SEALED_EVENTS_SKIPPED,
)
from peerlink_shared.observability.trace_spans import consuming, note_event, note_outcome
from peerlink_shared.outages import is_outage

P = TypeVar("P", bound=Payload)
T = TypeVar("T")
log = structlog.get_logger("peerlink.consumer")

MAX_BACKOFF_SECONDS = 5.0
# Records per poll, and how long a poll waits for the first one. FastStream sleeps as long
# again after an empty poll, so the wait bounds the latency an idle consumer adds per hop.
MAX_BATCH_RECORDS = 200
BATCH_WAIT_MS = 5
# How long a handler may keep a poll's batch before the group counts the replica gone.
MAX_POLL_INTERVAL_MS = 5 * 60 * 1000


def backoff_seconds(attempt: int) -> float:
    """0.4 s, 0.8 s, 1.6 s, ... up to 5 s between tries of one record."""
    return min(MAX_BACKOFF_SECONDS, 0.2 * 2.0 ** min(attempt, 5))


class HandledEvents(Protocol):
    """The inbox, as the consumer uses it (`messaging.inbox.Inbox` on the database)."""

    async def seen(self, key: str) -> bool: ...

    async def remember_all(self, keys: Sequence[str], *, at: datetime) -> None: ...


class DeadLetterSink(Protocol):
    """Where a refused record goes: its topic's dead-letter topic, with the reason in its
    headers (`dead_letters.send_to_dead_letters` over the broker)."""

    async def __call__(
        self,
        *,
        topic: str,
        partition: int,
        offset: int,
        key: bytes | None,
        body: bytes,
        refusal: Refusal,
    ) -> None: ...


@dataclass(frozen=True)
class Route:
    """How one event type is handled: `bind` validates the payload of an envelope from a
    sender, then returns the call. `model` is the contract, which the AsyncAPI document
    names for the topic."""

    model: type[Payload]
    bind: Callable[[Envelope, str], Callable[[], Awaitable[None]]]

    @property
    def event_type(self) -> str:
        return self.model.event_type()


def payload_of(model: type[P], data: Mapping[str, object]) -> P:
    """An event's payload, held to the rules of the HTTP door: pydantic's strict mode over the
    JSON the event carried, so a date is an ISO date string (86400 is not 1970-01-02), a number
    is a number ("7" is not 7) and a flag is a boolean (1 is not true)."""
    return model.model_validate_json(json.dumps(data), strict=True)


def route(model: type[P], handler: Callable[[Envelope, P], Awaitable[None]]) -> Route:
    def bind(envelope: Envelope, _sender: str) -> Callable[[], Awaitable[None]]:
        payload = payload_of(model, envelope.data)
        return lambda: handler(envelope, payload)

    return Route(model=model, bind=bind)


async def _left_undecoded(message: StreamMessage[object]) -> bytes:
    """Stands in for FastStream's decoder, which parses every body as JSON before the handler
    runs, with Python's recursive parser, outside any dead-letter path: a body 10,000 deep
    raised RecursionError there (and a malformed body sent as application/json raised its
    JSONDecodeError), and the batch was redelivered for ever. Bodies are read in one place,
    strictly: `parsing.parse_envelope`."""
    return b""


def sender_route(model: type[P], handler: Callable[[Envelope, P, str], Awaitable[None]]) -> Route:
    """A route whose handler is also told the sender (for a pattern subscription)."""

    def bind(envelope: Envelope, sender: str) -> Callable[[], Awaitable[None]]:
        payload = payload_of(model, envelope.data)
        return lambda: handler(envelope, payload, sender)

    return Route(model=model, bind=bind)


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
        inbox: HandledEvents,
        clock: Clock,
        publish_timeout: float,
        max_attempts: int,
        health: ConsumerHealth,
        max_batch: int = MAX_BATCH_RECORDS,
        tracer: Tracer | None = None,
        seal: EventSeal | None = None,
        dead_letters: DeadLetterSink | None = None,
    ) -> None:
        """`tracer`: a span per record, continuing its event's trace (None: tracing off).
        `dead_letters`: where refused records go; by default the broker's dead-letter
        topics."""
        self._broker = broker
        self._inbox = inbox
        self._dead_letters: DeadLetterSink = dead_letters or functools.partial(
            send_to_dead_letters, broker, timeout=publish_timeout
        )
        self._clock = clock
        self._max_attempts = max_attempts
        self._max_batch = max_batch
        self._tracer = tracer
        self._seal = seal
        self.health = health

    def subscribe(
        self,
        *,
        topic: str | re.Pattern[str],
        group_id: str,
        routes: Sequence[Route],
        strict: bool = False,
        max_poll_interval_ms: int = MAX_POLL_INTERVAL_MS,
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
            decoder=_left_undecoded,
            title=f"{group_id}:{title}",
        )
        async def consume(message: KafkaMessage) -> None:
            raw = message.raw_message
            records: tuple[ConsumerRecord[bytes, bytes], ...] = (
                raw if isinstance(raw, tuple) else (raw,)
            )
            if records:
                await self.consume_batch(records, sender_of=sender_of, table=table, strict=strict)

    async def consume_batch(
        self,
        records: Sequence[ConsumerRecord[bytes, bytes]],
        *,
        sender_of: Callable[[str], str],
        table: dict[str, Route],
        strict: bool,
    ) -> None:
        """The consumer step for one poll's records, as the subscriber hands them over:
        parse, open, validate, skip what the inbox knows, handle, dead-letter what is refused,
        retry or wait out failures, then remember the batch. Returns when every record is
        handled, ignored, skipped or dead-lettered (then the batch may be committed)."""
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
                await self._consume_record(step, record, topic=topic)

    async def _consume_record(
        self,
        step: Callable[[], Awaitable[None]],
        record: ConsumerRecord[bytes, bytes],
        *,
        topic: str,
    ) -> None:
        """Repeats the whole (idempotent) step until the record is handled, ignored or
        dead-lettered, so a batch is committed only then, and no record holds its partition
        for good:

        - an outage (`outages.is_outage`: Kafka, MongoDB or FerretDB's PostgreSQL away, a
          timeout) is waited out without limit: the event is not at fault, and dead-lettering
          it would lose a good event to a restart;
        - any other failure is a defect in handling this event: tried `max_attempts` times in
          all, with backoff, then dead-lettered as `handler_failed` with the error's class
          and `x-dlq-attempts`;
        - while either keeps failing past the health threshold, `/ready` answers 503 naming
          the partition and why.

        Unreadable or invalid input never gets here as a failure: parsing and validation
        refuse it at once (`parsing.parse_envelope`, `Route.bind`).
        """
        # The record's own topic: a subscription by pattern spans several.
        where = (record.topic, record.partition)
        self.health.taking(*where, record.offset)
        attempts = waits = 0
        try:
            while True:
                try:
                    await step()
                    return
                except Exception as error:
                    kind = type(error).__name__
                    if is_outage(error):
                        waits += 1
                        self.health.failed(*where, f"waiting for infrastructure: {kind}")
                        log.warning("consumer_waiting_for_infrastructure", error=kind, waits=waits)
                    else:
                        attempts += 1
                        self.health.failed(*where, f"handler failing: {kind}")
                        if attempts >= self._max_attempts:
                            await self._give_up(record, topic=topic, error=error, attempts=attempts)
                            return
                        HANDLER_RETRIES.labels(topic=topic).inc()
                        log.warning("handler_retrying", attempt=attempts, error=kind)
                await asyncio.sleep(backoff_seconds(attempts + waits))
        finally:
            self.health.finished(*where)

    async def _give_up(
        self,
        record: ConsumerRecord[bytes, bytes],
        *,
        topic: str,
        error: Exception,
        attempts: int,
    ) -> None:
        log.error("handler_failed", attempts=attempts, exc_info=error)
        refusal = Refusal(
            ReasonCode.HANDLER_FAILED,
            f"{type(error).__name__} after {attempts} attempts",
            attempts=attempts,
        )
        send = functools.partial(
            self._dead_letter,
            topic=topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key,
            body=record.value or b"",
            refusal=refusal,
        )
        await self._until_done(send)

    async def _until_done(self, step: Callable[[], Awaitable[T]]) -> T:
        """Repeats a step while infrastructure is away. Anything else escapes to FastStream,
        whose NACK_ON_ERROR policy seeks back to redeliver the batch."""
        waits = 0
        while True:
            try:
                return await step()
            except Exception as error:
                if not is_outage(error):
                    raise
                waits += 1
                log.warning("consumer_waiting_for_infrastructure", error=type(error).__name__)
                await asyncio.sleep(backoff_seconds(waits))

    async def _dead_letter(
        self,
        *,
        topic: str,
        partition: int,
        offset: int,
        key: bytes | None,
        body: bytes,
        refusal: Refusal,
    ) -> None:
        await self._dead_letters(
            topic=topic, partition=partition, offset=offset, key=key, body=body, refusal=refusal
        )
        DEAD_LETTERS.labels(topic=topic, reason=refusal.code.value).inc()
        EVENTS_CONSUMED.labels(topic=topic, outcome="dead_lettered").inc()
        note_outcome("dead_lettered", reason=refusal.code.value)
        log.warning("event_dead_lettered", reason_code=refusal.code.value, reason=refusal.detail)

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
            await self._dead_letter(
                topic=topic, partition=partition, offset=offset, key=key, body=body, refusal=refusal
            )

        parsed = parse_envelope(body)
        envelope = parsed if isinstance(parsed, Envelope) else None
        with consuming(
            self._tracer,
            topic=topic,
            partition=partition,
            offset=offset,
            traceparent=envelope.traceparent if envelope else None,
            tracestate=envelope.tracestate if envelope else None,
        ):
            if isinstance(parsed, Refusal):
                await refuse(parsed)
                return
            await self._consume_envelope(
                parsed,
                topic=topic,
                sender=sender,
                table=table,
                strict=strict,
                batch=batch,
                refuse=refuse,
            )

    async def _consume_envelope(
        self,
        envelope: Envelope,
        *,
        topic: str,
        sender: str,
        table: dict[str, Route],
        strict: bool,
        batch: _Batch,
        refuse: Callable[[Refusal], Awaitable[None]],
    ) -> None:
        note_event(event_id=envelope.id, event_type=envelope.type)
        with structlog.contextvars.bound_contextvars(
            event_id=envelope.id, correlation_id=envelope.correlationid, event_type=envelope.type
        ):
            selected = table.get(envelope.type)
            if selected is None and strict:
                await refuse(Refusal(ReasonCode.UNKNOWN_EVENT_TYPE, "type is not accepted here"))
                return
            if selected is None:
                EVENTS_CONSUMED.labels(topic=topic, outcome="ignored").inc()
                note_outcome("ignored")
                return
            opened = await self._open(envelope, topic=topic)
            if isinstance(opened, Refusal):
                await refuse(opened)
                return
            if opened is None:
                return
            try:
                call = selected.bind(opened, sender)
            except ValidationError as error:
                await refuse(Refusal(ReasonCode.INVALID_PAYLOAD, describe_validation_error(error)))
                return
            except Exception as error:
                # A validator failing in a way pydantic does not catch (an OSError from a
                # lookup) would fail the same way on every redelivery.
                detail = f"{type(error).__name__} while validating"
                await refuse(Refusal(ReasonCode.INVALID_PAYLOAD, detail))
                return
            known_as = inbox_key(sender=sender, source=envelope.source, event_id=envelope.id)
            if known_as in batch.ids or await self._inbox.seen(known_as):
                EVENTS_CONSUMED.labels(topic=topic, outcome="duplicate").inc()
                note_outcome("duplicate")
                log.info("event_duplicate_ignored")
                return
            try:
                failure = await self._run(call)
            except PersonKeyDestroyed:
                # The person was erased while the event waited: nothing of theirs is
                # published again (sealing would need their key).
                self._skip_erased(topic)
                return
            if failure is not None:
                await refuse(failure)
                return
            batch.add(known_as)
            EVENTS_CONSUMED.labels(topic=topic, outcome="handled").inc()
            note_outcome("handled")
            log.info("event_handled")

    async def _open(self, envelope: Envelope, *, topic: str) -> Envelope | Refusal | None:
        """The envelope with its sealed payload opened; None when it can never be opened
        (its person's key was destroyed: a replay after erasure), which is skipped, counted
        and logged, never dead-lettered. A seal that does not open with a key that exists
        was altered or moved: dead-lettered."""
        if self._seal is None or envelope.personkeyid is None:
            return envelope
        try:
            opened = await self._seal.open(envelope)
        except SealBroken as broken:
            return Refusal(ReasonCode.SEAL_BROKEN, str(broken))
        if isinstance(opened, KeyDestroyed):
            self._skip_erased(topic)
            return None
        return opened

    def _skip_erased(self, topic: str) -> None:
        SEALED_EVENTS_SKIPPED.labels(topic=topic, reason="key_destroyed").inc()
        EVENTS_CONSUMED.labels(topic=topic, outcome="skipped_erased").inc()
        log.info("event_skipped", reason="key_destroyed")

    async def _run(self, call: Callable[[], Awaitable[None]]) -> Refusal | None:
        """A handler's refusal is dead-lettered at once; any other failure is raised for
        `_consume_record` to wait out or retry."""
        try:
            await call()
        except Refused as refused:
            return refused.refusal
        return None


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
