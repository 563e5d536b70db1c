"""OpenTelemetry traces, exported over OTLP/HTTP when an endpoint is configured.

Configured by OpenTelemetry's own environment variables (docs/observability.md):
`OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) turns it on. Without
one there is no tracer provider, no exporter and no span: the consumer, the relay and the
HTTP app run exactly as before, and `make_envelope` finds no current span.

Spans carry ids, codes and names of topics and routes, never a person's data: no query
strings, no statements with their values, no error messages (which may quote a value).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.propagators import (
    TraceResponsePropagator,
    set_global_response_propagator,
)
from opentelemetry.instrumentation.pymongo import PymongoInstrumentor
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.trace import Span, Tracer
from pymongo.monitoring import CommandFailedEvent

ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
# Probes and scrapes every few seconds would bury the traces worth reading.
UNTRACED_PATHS = "/health,/ready,/metrics"


def exporting(environ: Mapping[str, str]) -> bool:
    """Whether the environment asks for traces to be exported."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    if environ.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower() == "none":
        return False
    return any(environ.get(name, "").strip() for name in ENDPOINT_VARIABLES)


@dataclass(frozen=True)
class Tracing:
    """A service's tracer provider and the tracer our own spans come from."""

    provider: TracerProvider
    tracer: Tracer

    @classmethod
    def from_environment(
        cls, *, service: str, environ: Mapping[str, str] = os.environ
    ) -> Tracing | None:
        if not exporting(environ):
            return None
        return cls.exporting_to(OTLPSpanExporter(), service=service, environ=environ)

    @classmethod
    def exporting_to(
        cls, exporter: SpanExporter, *, service: str, environ: Mapping[str, str] = os.environ
    ) -> Tracing:
        """Before the service's MongoDB client exists: PyMongo takes its listeners then."""
        # OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES still apply (Resource.create reads
        # them); a name given there wins over ours.
        named = {} if environ.get("OTEL_SERVICE_NAME") else {SERVICE_NAME: f"peerlink-{service}"}
        provider = TracerProvider(resource=Resource.create(named))
        provider.add_span_processor(BatchSpanProcessor(exporter))
        # Command names and collections only: statements (capture_statement) hold values.
        PymongoInstrumentor().instrument(tracer_provider=provider, failed_hook=_failure_code_only)
        return cls(provider=provider, tracer=provider.get_tracer("peerlink"))

    def instrument(self, app: FastAPI) -> None:
        """A span per request, and its trace context in the `traceresponse` header."""
        FastAPIInstrumentor.instrument_app(
            app,
            tracer_provider=self.provider,
            excluded_urls=UNTRACED_PATHS,
            exclude_spans=["receive", "send"],
            server_request_hook=_without_query,
        )
        # W3C Trace Context level 2's response header, so a caller (the console) can link
        # to the trace its request started.
        set_global_response_propagator(TraceResponsePropagator())  # type: ignore[no-untyped-call]

    def shutdown(self) -> None:
        """Exports what is still buffered (blocking: call it in a thread)."""
        self.provider.shutdown()


def _without_query(span: Span, scope: dict[str, Any]) -> None:
    """Query strings never reach a span: a caller may put anything in one."""
    if not span.is_recording() or not scope.get("query_string"):
        return
    scheme, netloc, path, _, _ = urlsplit(_url_of(scope))
    span.set_attribute("http.url", urlunsplit((scheme, netloc, path, "", "")))
    span.set_attribute("url.query", "REDACTED")


def _url_of(scope: dict[str, Any]) -> str:
    host, port = scope.get("server") or ("localhost", None)
    netloc = f"{host}:{port}" if port else str(host)
    return f"{scope.get('scheme', 'http')}://{netloc}{scope.get('path', '')}"


def _failure_code_only(span: Span, event: CommandFailedEvent) -> None:
    """PyMongo's error message can quote a value (a duplicate key's); keep its code name."""
    code = event.failure.get("codeName", "UnknownError") if event.failure else "UnknownError"
    span.set_status(trace.Status(trace.StatusCode.ERROR, str(code)))
