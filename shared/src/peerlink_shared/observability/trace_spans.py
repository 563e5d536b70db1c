"""Our own spans around the Kafka hops: one per consumed record, one per published event.

FastStream's `KafkaTelemetryMiddleware` does not fit here: our subscribers take batches and
bypass FastStream's decoder, so it would make one span per batch, with the context taken
from Kafka headers; ours travels in the envelope (`traceparent`), and the outbox relay
publishes long after the span that recorded an event has ended. So the consumer makes a
span per record whose parent is the context the event carries, and the relay a span per
event under that same context.

With tracing off (no tracer, no current span) every function here does nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from peerlink_shared.observability.trace_context import traceparent_or_none, tracestate_or_none

OUTCOME = "peerlink.outcome"
DEAD_LETTER_REASON = "peerlink.dead_letter.reason"
_PROPAGATOR = TraceContextTextMapPropagator()


def current_trace_context() -> tuple[str | None, str | None]:
    """The current span's `traceparent` and `tracestate`, or Nones outside any span."""
    carrier: dict[str, str] = {}
    if trace.get_current_span().get_span_context().is_valid:
        _PROPAGATOR.inject(carrier)
    return carrier.get("traceparent"), carrier.get("tracestate")


def current_trace_id() -> str | None:
    """The current trace's id (32 hex digits), to store beside what this span wrote, so a
    trace viewer can be opened from it; None outside any span."""
    context = trace.get_current_span().get_span_context()
    return f"{context.trace_id:032x}" if context.is_valid else None


def parent_context(traceparent: str | None, tracestate: str | None) -> Context:
    """The context an event's trace continues from; an empty one (a new trace) when it
    carries none or an invalid one."""
    valid = traceparent_or_none(traceparent)
    if valid is None:
        return Context()
    carrier = {"traceparent": valid}
    if (state := tracestate_or_none(tracestate)) is not None:
        carrier["tracestate"] = state
    return _PROPAGATOR.extract(carrier, context=Context())


def continuing(
    tracer: Tracer | None,
    name: str,
    *,
    traceparent: str | None,
    tracestate: str | None = None,
    kind: SpanKind = SpanKind.INTERNAL,
    attributes: Mapping[str, str | int] | None = None,
) -> contextlib.AbstractContextManager[None]:
    """A current span continuing the trace `traceparent` names (a new trace when it is None
    or invalid), for work done later than the span that asked for it. Failures are recorded
    by class only: a message may quote a value."""
    if tracer is None:
        return contextlib.nullcontext()
    return _span(tracer, name, parent_context(traceparent, tracestate), kind, attributes)


@contextlib.contextmanager
def _span(
    tracer: Tracer,
    name: str,
    parent: Context,
    kind: SpanKind,
    attributes: Mapping[str, str | int] | None,
) -> Iterator[None]:
    with tracer.start_as_current_span(
        name,
        context=parent,
        kind=kind,
        attributes=attributes,
        record_exception=False,
        set_status_on_exception=False,
    ) as span:
        try:
            yield
        except BaseException as error:
            span.set_status(Status(StatusCode.ERROR, type(error).__name__))
            raise


def consuming(
    tracer: Tracer | None,
    *,
    topic: str,
    partition: int,
    offset: int,
    traceparent: str | None,
    tracestate: str | None,
) -> contextlib.AbstractContextManager[None]:
    """The span a record is handled in, continuing the trace its event carries."""
    if tracer is None:
        return contextlib.nullcontext()
    return continuing(
        tracer,
        f"process {topic}",
        traceparent=traceparent,
        tracestate=tracestate,
        kind=SpanKind.CONSUMER,
        attributes={
            "messaging.system": "kafka",
            "messaging.operation.type": "process",
            "messaging.destination.name": topic,
            "messaging.destination.partition.id": str(partition),
            "messaging.kafka.offset": offset,
        },
    )


def note_event(*, event_id: str, event_type: str) -> None:
    """Names the event the current record holds, once it has been read."""
    span = trace.get_current_span()
    span.set_attribute("messaging.message.id", event_id)
    span.set_attribute("cloudevents.event_id", event_id)
    span.set_attribute("cloudevents.event_type", event_type)


def note_outcome(outcome: str, *, reason: str | None = None) -> None:
    """What became of the current record (handled, duplicate, ignored, dead_lettered) or
    attempt."""
    span = trace.get_current_span()
    span.set_attribute(OUTCOME, outcome)
    if reason is not None:
        span.set_attribute(DEAD_LETTER_REASON, reason)


def start_publishing(
    tracer: Tracer | None, events: Sequence[tuple[str, str, str | None, str | None]]
) -> list[Span]:
    """A span per (topic, event id, traceparent, tracestate) about to be sent, each under
    the trace its event carries; end them with `finish_publishing`."""
    if tracer is None:
        return []
    return [
        tracer.start_span(
            f"send {topic}",
            context=parent_context(traceparent, tracestate),
            kind=SpanKind.PRODUCER,
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "send",
                "messaging.destination.name": topic,
                "messaging.message.id": event_id,
            },
        )
        for topic, event_id, traceparent, tracestate in events
    ]


def finish_publishing(spans: Sequence[Span], errors: Sequence[BaseException | None]) -> None:
    """Ends the spans `start_publishing` began (none when tracing is off)."""
    if not spans:
        return
    for span, error in zip(spans, errors, strict=True):
        if error is not None:
            span.set_status(Status(StatusCode.ERROR, type(error).__name__))
        span.end()
