"""The CloudEvents 1.0 envelope every PeerLink event travels in, JSON on the wire."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from peerlink_shared.contracts.base import PLAIN_TEXT_PATTERN
from peerlink_shared.contracts.fields import EventId, Moment, OpaqueId
from peerlink_shared.observability.trace_context import Traceparent, Tracestate
from peerlink_shared.observability.trace_spans import current_trace_context

# Deterministic event ids (uuid5 under this namespace) make a re-run handler emit the same
# event again rather than a new one, so consumers can drop the copy by id.
EVENT_ID_NAMESPACE = uuid.UUID("5d6f1a52-2f43-4f0e-9f7e-0c6a3c1f5b10")


def derived_event_id(*parts: str) -> str:
    """An event id fixed by what caused the event, so a retried handler reproduces it."""
    return str(uuid.uuid5(EVENT_ID_NAMESPACE, "\x1f".join(parts)))


def new_event_id() -> str:
    return str(uuid.uuid4())


class Envelope(BaseModel):
    """CloudEvents attributes plus correlation and causation ids; `data` is the payload."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    specversion: Literal["1.0"] = Field(default="1.0", description="CloudEvents version.")
    id: EventId = Field(description="Unique per source and event; dedup key.")
    source: str = Field(
        min_length=1,
        max_length=256,
        pattern=PLAIN_TEXT_PATTERN,
        description="Who produced it.",
        examples=["/intake"],
    )
    type: str = Field(
        min_length=1,
        max_length=128,
        description="Event type with its schema version suffix.",
        examples=["peerlink.person.admission-recorded.v1"],
    )
    subject: OpaqueId = Field(description="The aggregate id, also the Kafka key.")
    time: Moment = Field(description="When the fact happened or was recorded (UTC).")
    datacontenttype: Literal["application/json"] = "application/json"
    correlationid: EventId = Field(description="Shared by every event of one flow.")
    causationid: EventId | None = Field(
        default=None, description="Id of the event that caused this one."
    )
    # CloudEvents distributed-tracing extension. Read tolerantly (trace_context.py): an
    # invalid value is dropped, never a refusal.
    traceparent: Traceparent = Field(
        default=None,
        description="CloudEvents distributed tracing extension: the W3C traceparent of "
        "the span that created this event; its consumer continues the trace. Optional; an "
        "invalid value is ignored (a new trace starts), never a reason to refuse the event.",
    )
    tracestate: Tracestate = Field(
        default=None, description="W3C tracestate that goes with `traceparent`."
    )
    personkeyid: OpaqueId | None = Field(
        default=None,
        description="Extension: the id of the person's data key `data.sealed` is sealed "
        "under; absent when nothing is sealed.",
    )
    data: dict[str, JsonValue] = Field(description="The versioned payload of `type`.")


def make_envelope(
    *,
    event_id: str,
    source: str,
    event_type: str,
    subject: str,
    time: datetime,
    data: dict[str, JsonValue],
    correlation_id: str,
    causation_id: str | None = None,
) -> Envelope:
    """Inside a span (an HTTP request, a consumed event) the event carries its trace context."""
    traceparent, tracestate = current_trace_context()
    return Envelope(
        id=event_id,
        source=source,
        type=event_type,
        subject=subject,
        time=time,
        data=data,
        correlationid=correlation_id,
        causationid=causation_id,
        traceparent=traceparent,
        tracestate=tracestate,
    )
