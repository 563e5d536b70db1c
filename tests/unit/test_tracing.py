"""Our spans: a consumed record continues its event's trace, a publish joins it, an HTTP
request's span keeps no query string, and nothing is traced unless an endpoint is set."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from aiokafka import ConsumerRecord
from fastapi import FastAPI
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from peerlink_shared.clock import SystemClock
from peerlink_shared.contracts import CravingCheckInRecorded
from peerlink_shared.messaging.consumer import EventConsumer, route
from peerlink_shared.messaging.consumer_health import ConsumerHealth
from peerlink_shared.messaging.envelope import Envelope, make_envelope
from peerlink_shared.observability.trace_spans import (
    continuing,
    finish_publishing,
    start_publishing,
)
from peerlink_shared.observability.tracing import Tracing, exporting

from tests.fakes.messaging import MemoryInbox
from tests.unit.test_trace_context import TRACE_ID, VALID, envelope_body

PARENT_SPAN_ID = 0xB7AD6B7169203331
CANARY = "canary.jane.doe.7731"


@pytest.fixture
def spans() -> Iterator[tuple[TracerProvider, InMemorySpanExporter]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield provider, exporter
    provider.shutdown()


@pytest.mark.parametrize(
    ("environ", "on"),
    [
        ({}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": ""}, False),  # compose's unset default
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, True),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, True),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "true"}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_EXPORTER": "none"}, False),
    ],
)
def test_traces_are_exported_only_when_an_endpoint_is_set(
    environ: dict[str, str], on: bool
) -> None:
    assert exporting(environ) is on
    if not on:
        assert Tracing.from_environment(service="intake", environ=environ) is None


class Recorder:
    """A handler that makes the event it would publish, as a real one does."""

    def __init__(self) -> None:
        self.made: list[Envelope] = []

    async def __call__(self, envelope: Envelope, fact: CravingCheckInRecorded) -> None:
        self.made.append(
            make_envelope(
                event_id=f"next-{envelope.id}",
                source="/eligibility",
                event_type="peerlink.test.v1",
                subject=fact.person_id,
                time=datetime.now(UTC),
                data={},
                correlation_id=envelope.correlationid,
            )
        )


async def consume(body: bytes, *, tracer_provider: TracerProvider | None) -> Recorder:
    recorder = Recorder()
    consumer = EventConsumer(
        broker=None,  # type: ignore[arg-type]  # nothing here is dead-lettered
        inbox=MemoryInbox(),
        clock=SystemClock(),
        publish_timeout=1.0,
        max_attempts=1,
        health=ConsumerHealth(stuck_after_seconds=60),
        tracer=tracer_provider.get_tracer("test") if tracer_provider else None,
    )
    record = ConsumerRecord(
        "person-events", 0, 7, 0, 0, b"p-1", body, None, 3, len(body), ()
    )  # fmt: skip
    table = {CravingCheckInRecorded.event_type(): route(CravingCheckInRecorded, recorder)}
    await consumer.consume_batch([record], sender_of=lambda _topic: "", table=table, strict=True)
    return recorder


def traceparent_of(span: ReadableSpan) -> str:
    context = span.get_span_context()
    assert context is not None
    return f"00-{context.trace_id:032x}-{context.span_id:016x}-{context.trace_flags:02x}"


async def test_a_consumed_event_continues_its_trace_into_what_it_causes(
    spans: tuple[TracerProvider, InMemorySpanExporter],
) -> None:
    provider, exporter = spans
    recorder = await consume(envelope_body(traceparent=VALID), tracer_provider=provider)
    (span,) = exporter.get_finished_spans()
    assert span.name == "process person-events"
    assert span.kind is SpanKind.CONSUMER
    assert span.parent is not None and span.parent.span_id == PARENT_SPAN_ID
    assert traceparent_of(span).split("-")[1] == f"{TRACE_ID:032x}"
    assert span.attributes is not None
    assert span.attributes["peerlink.outcome"] == "handled"
    assert span.attributes["cloudevents.event_id"] == "e-1"
    # The next hop's parent is this span.
    (made,) = recorder.made
    assert made.traceparent == traceparent_of(span)


@pytest.mark.parametrize("hostile", ["00-zz", VALID.upper(), "ff" + VALID[2:], 42, ["x"]])
async def test_a_hostile_traceparent_starts_a_new_trace_and_the_event_is_handled(
    spans: tuple[TracerProvider, InMemorySpanExporter], hostile: object
) -> None:
    provider, exporter = spans
    recorder = await consume(envelope_body(traceparent=hostile), tracer_provider=provider)
    (span,) = exporter.get_finished_spans()
    assert span.parent is None
    assert traceparent_of(span).split("-")[1] != f"{TRACE_ID:032x}"
    assert span.attributes is not None and span.attributes["peerlink.outcome"] == "handled"
    assert len(recorder.made) == 1


async def test_without_tracing_nothing_is_carried_on() -> None:
    recorder = await consume(envelope_body(traceparent=VALID), tracer_provider=None)
    (made,) = recorder.made
    assert made.traceparent is None


def test_a_publish_joins_its_events_trace_and_fails_by_class(
    spans: tuple[TracerProvider, InMemorySpanExporter],
) -> None:
    provider, exporter = spans
    started = start_publishing(
        provider.get_tracer("test"),
        [("person-events", "e-1", VALID, None), ("person-events", "e-2", None, None)],
    )
    finish_publishing(started, [None, TimeoutError(f"sending {CANARY}")])
    traced, untraced = exporter.get_finished_spans()
    assert traced.kind is SpanKind.PRODUCER
    assert traced.parent is not None and traced.parent.span_id == PARENT_SPAN_ID
    assert untraced.parent is None
    assert untraced.status.status_code is StatusCode.ERROR
    assert untraced.status.description == "TimeoutError"
    assert start_publishing(None, [("t", "e", VALID, None)]) == []
    finish_publishing([], [None])  # tracing off: nothing to end


async def test_a_request_span_keeps_no_query_string_and_answers_its_trace(
    spans: tuple[TracerProvider, InMemorySpanExporter],
) -> None:
    provider, exporter = spans
    app = FastAPI()

    @app.get("/persons/{person_id}/messages")
    async def messages(person_id: str) -> list[str]:
        return []

    Tracing(provider=provider, tracer=provider.get_tracer("test")).instrument(app)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get(
            f"/persons/p-1/messages?email={CANARY}@example.org",
            headers={"authorization": f"Bearer {CANARY}", "x-contact": CANARY},
        )
        await client.get("/health")
    assert response.status_code == 200
    (span,) = exporter.get_finished_spans()  # /health is not traced
    assert span.kind is SpanKind.SERVER
    assert span.name == "GET /persons/{person_id}/messages"
    assert CANARY not in repr(dict(span.attributes or {}))
    assert CANARY not in span.name
    assert response.headers["traceresponse"] == traceparent_of(span)


def test_work_no_request_started_begins_its_own_trace(
    spans: tuple[TracerProvider, InMemorySpanExporter],
) -> None:
    """The clock reviewer's re-decisions and the delivery attempts: a span continuing what
    they were given (nothing: a new trace), which the events they make then carry."""
    provider, exporter = spans
    tracer = provider.get_tracer("test")
    with continuing(tracer, "review decision", traceparent=None):
        made = make_envelope(
            event_id="e-9",
            source="/eligibility",
            event_type="peerlink.test.v1",
            subject="p-1",
            time=datetime.now(UTC),
            data={},
            correlation_id="e-9",
        )
    with (
        pytest.raises(ValueError, match=CANARY),
        continuing(tracer, "deliver email", traceparent=made.traceparent),
    ):
        raise ValueError(CANARY)
    review, deliver = exporter.get_finished_spans()
    assert review.parent is None
    assert made.traceparent == traceparent_of(review)
    assert deliver.parent is not None
    assert f"{deliver.parent.span_id:016x}" == traceparent_of(review).split("-")[2]
    # A failure by its class: the message may quote a value.
    assert deliver.status.status_code is StatusCode.ERROR
    assert deliver.status.description == "ValueError"
    assert not deliver.events


@pytest.mark.parametrize(
    ("header", "continued"),
    [
        (VALID, True),
        ("00-zz-yy-01", False),
        (VALID.upper(), False),
        ("x" * 10_000, False),
        ("00-" + "0" * 32 + "-b7ad6b7169203331-01", False),
    ],
)
async def test_a_callers_traceparent_header_is_continued_only_when_valid(
    spans: tuple[TracerProvider, InMemorySpanExporter], header: str, continued: bool
) -> None:
    provider, exporter = spans
    app = FastAPI()

    @app.post("/facts")
    async def record() -> dict[str, str]:
        return {"ok": "yes"}

    Tracing(provider=provider, tracer=provider.get_tracer("test")).instrument(app)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.post("/facts", headers={"traceparent": header})
    assert response.status_code == 200
    (span,) = exporter.get_finished_spans()
    trace_id = traceparent_of(span).split("-")[1]
    assert (trace_id == f"{TRACE_ID:032x}") is continued
    assert (span.parent is not None) is continued
