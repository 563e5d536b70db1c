"""The consumer step every service runs for each polled record (`EventConsumer.consume_batch`),
over an in-memory inbox and dead-letter sink: what is handled, skipped, refused, retried and
waited out. The same step against the real broker: tests/integration/test_consumer_failures.py,
test_clinic_inbound.py."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from aiokafka import ConsumerRecord
from faststream.kafka import KafkaBroker
from peerlink_shared.clock import SystemClock
from peerlink_shared.contracts import AdmissionRecorded, CravingCheckInRecorded, Payload
from peerlink_shared.messaging import consumer as consumer_module
from peerlink_shared.messaging.consumer import EventConsumer, Route, route
from peerlink_shared.messaging.consumer_health import ConsumerHealth
from peerlink_shared.messaging.dead_letters import ReasonCode, Refused
from peerlink_shared.messaging.envelope import Envelope, make_envelope
from peerlink_shared.messaging.inbox import inbox_key

from tests.fakes.messaging import DeadLetters, MemoryInbox

TOPIC = "person-events"
DAY = date(2026, 11, 2)


class Handler:
    """Records what it was given; fails as told, one entry per call."""

    def __init__(self, *failures: BaseException) -> None:
        self.failures = list(failures)
        self.handled: list[str] = []
        self.calls = 0

    async def __call__(self, envelope: Envelope, _payload: Payload) -> None:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        self.handled.append(envelope.id)


class Step:
    def __init__(self, *, max_attempts: int = 3) -> None:
        self.inbox = MemoryInbox()
        self.dead_letters = DeadLetters()
        self.health = ConsumerHealth(stuck_after_seconds=60)
        self.consumer = EventConsumer(
            broker=KafkaBroker("127.0.0.1:9"),  # never connected: the sink is in memory
            inbox=self.inbox,
            clock=SystemClock(),
            publish_timeout=1.0,
            max_attempts=max_attempts,
            health=self.health,
            dead_letters=self.dead_letters,
        )

    async def consume(self, bodies: list[bytes], *routes: Route, strict: bool = True) -> None:
        records = [
            ConsumerRecord(TOPIC, 0, offset, 0, 0, b"p-1", body, None, 3, len(body), ())
            for offset, body in enumerate(bodies)
        ]  # fmt: skip
        table = {item.event_type: item for item in routes}
        await self.consumer.consume_batch(
            records, sender_of=lambda _topic: "", table=table, strict=strict
        )


def event(payload: Payload, *, event_id: str) -> Envelope:
    return make_envelope(
        event_id=event_id,
        source="/tests",
        event_type=payload.event_type(),
        subject="p-1",
        time=datetime(2026, 11, 2, 9, tzinfo=UTC),
        data=payload.model_dump(mode="json"),
        correlation_id="corr-1",
    )


def check_in(event_id: str) -> bytes:
    payload = CravingCheckInRecorded(person_id="p-1", level=2, checked_on=DAY)
    return event(payload, event_id=event_id).model_dump_json().encode()


def with_data(body: bytes, **raw: object) -> bytes:
    decoded = json.loads(body)
    decoded["data"].update(raw)
    return json.dumps(decoded).encode()


def check_ins(handler: Handler) -> Route:
    return route(CravingCheckInRecorded, handler)


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], float]:
    def immediately(_attempt: int) -> float:
        return 0.0

    monkeypatch.setattr(consumer_module, "backoff_seconds", immediately)
    return immediately


async def test_a_valid_event_is_handled_once_and_remembered() -> None:
    step, handler = Step(), Handler()
    await step.consume([check_in("e-1")], check_ins(handler))
    assert handler.handled == ["e-1"]
    assert step.inbox.keys == {inbox_key(sender="", source="/tests", event_id="e-1")}
    assert step.dead_letters.sent == []


async def test_an_event_the_inbox_knows_is_not_handled_again() -> None:
    step, handler = Step(), Handler()
    await step.consume([check_in("e-1")], check_ins(handler))
    await step.consume([check_in("e-1")], check_ins(handler))
    assert handler.handled == ["e-1"]


async def test_a_copy_in_the_same_batch_is_handled_once() -> None:
    step, handler = Step(), Handler()
    await step.consume([check_in("e-1"), check_in("e-1"), check_in("e-2")], check_ins(handler))
    assert handler.handled == ["e-1", "e-2"]


async def test_unreadable_records_are_dead_lettered_and_the_partition_moves_on() -> None:
    step, handler = Step(), Handler()
    duplicated_type = check_in("e-2").replace(b'"type":', b'"type":"x","type":', 1)
    await step.consume(
        [b"\xff\xfe", b"{not json", duplicated_type, b"[" * 5000, check_in("e-3")],
        check_ins(handler),
    )
    assert step.dead_letters.reasons() == [
        (0, "not_utf8"),
        (1, "malformed_json"),
        (2, "duplicate_key"),
        (3, "too_deep"),
    ]
    assert step.dead_letters.sent[2].body == duplicated_type  # the bytes as they came
    assert handler.handled == ["e-3"]


async def test_payload_values_are_held_to_strict_types() -> None:
    step, handler = Step(), Handler()
    admission = AdmissionRecorded(person_id="p-1", centre_id="bay", admitted_on=DAY)
    admitted = event(admission, event_id="e-1").model_dump_json().encode()
    await step.consume(
        [
            with_data(admitted, admitted_on=86400),
            with_data(check_in("e-2"), level="7"),
            with_data(check_in("e-3"), level=True),
            check_in("e-4"),
        ],
        route(AdmissionRecorded, handler),
        check_ins(handler),
    )
    assert [(letter.offset, letter.refusal.detail) for letter in step.dead_letters.sent] == [
        (0, "admitted_on: date_type"),
        (1, "level: int_type"),
        (2, "level: int_type"),
    ]
    assert handler.handled == ["e-4"]


async def test_a_handlers_refusal_is_dead_lettered_at_once_and_not_remembered() -> None:
    step = Step()
    handler = Handler(Refused(ReasonCode.UNKNOWN_PERSON, "no such person"))
    await step.consume([check_in("e-1")], check_ins(handler))
    assert handler.calls == 1
    assert step.dead_letters.reasons() == [(0, "unknown_person")]
    assert step.inbox.keys == set()


async def test_a_failing_handler_is_tried_max_attempts_then_dead_lettered() -> None:
    step = Step(max_attempts=3)
    handler = Handler(*(RuntimeError("defect") for _ in range(3)))
    await step.consume([check_in("e-1"), check_in("e-2")], check_ins(handler))
    (letter,) = step.dead_letters.sent
    assert (letter.offset, letter.refusal.code, letter.refusal.attempts) == (
        0,
        ReasonCode.HANDLER_FAILED,
        3,
    )
    assert letter.refusal.detail == "RuntimeError after 3 attempts"
    assert handler.calls == 4  # three for e-1, then e-2 behind it
    assert handler.handled == ["e-2"]


async def test_an_outage_is_waited_out_never_dead_lettered() -> None:
    step = Step(max_attempts=2)
    handler = Handler(*(ConnectionError("database away") for _ in range(5)))
    await step.consume([check_in("e-1")], check_ins(handler))
    assert handler.handled == ["e-1"]
    assert handler.calls == 6  # more than max_attempts: an outage is not the event's fault
    assert step.dead_letters.sent == []
    assert step.health.stuck() == []


async def test_an_unknown_type_is_refused_on_a_strict_topic_and_ignored_on_another() -> None:
    admission = AdmissionRecorded(person_id="p-1", centre_id="bay", admitted_on=DAY)
    body = event(admission, event_id="e-1").model_dump_json().encode()
    strict, lenient, handler = Step(), Step(), Handler()
    await strict.consume([body], check_ins(handler), strict=True)
    await lenient.consume([body], check_ins(handler), strict=False)
    assert strict.dead_letters.reasons() == [(0, "unknown_event_type")]
    assert lenient.dead_letters.sent == []
    assert handler.calls == 0
