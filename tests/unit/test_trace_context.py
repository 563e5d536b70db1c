"""W3C trace context in the envelope: valid values kept, hostile ones dropped, never refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from peerlink_shared.contracts import CravingCheckInRecorded
from peerlink_shared.messaging.envelope import Envelope, make_envelope
from peerlink_shared.messaging.parsing import parse_envelope
from peerlink_shared.observability.trace_context import traceparent_or_none, tracestate_or_none
from peerlink_shared.observability.trace_spans import current_trace_context, parent_context

VALID = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
TRACE_ID = 0x0AF7651916CD43DD8448EB211C80319C


def test_a_valid_traceparent_is_kept() -> None:
    assert traceparent_or_none(VALID) == VALID
    assert traceparent_or_none(VALID.replace("-01", "-00")) == VALID.replace("-01", "-00")


@pytest.mark.parametrize(
    "hostile",
    [
        "",
        "garbage",
        VALID.upper(),  # W3C: lowercase only
        "ff" + VALID[2:],  # the forbidden version
        "01" + VALID[2:],  # a later version: not guessed at
        VALID + "-extra",
        VALID + "\n",
        " " + VALID,
        "00-" + "0" * 32 + "-b7ad6b7169203331-01",  # all-zero trace id
        "00-0af7651916cd43dd8448eb211c80319c-" + "0" * 16 + "-01",  # all-zero span id
        "00-0af7651916cd43dd8448eb211c80319g-b7ad6b7169203331-01",
        "00_0af7651916cd43dd8448eb211c80319c_b7ad6b7169203331_01",
        "00-\u0660af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",  # an Arabic-Indic zero
        "x" * 100_000,
        5,
        None,
        True,
        ["00", "0af7651916cd43dd8448eb211c80319c"],
        {"traceparent": VALID},
    ],
)
def test_an_invalid_traceparent_is_dropped(hostile: object) -> None:
    assert traceparent_or_none(hostile) is None


def test_a_valid_tracestate_is_kept() -> None:
    for state in ("congo=t61rcWkgMzE", "rojo=00f067aa0ba902b7, congo=t61rcWkgMzE", "t@sys=v,,a=b"):
        assert tracestate_or_none(state) == state


@pytest.mark.parametrize(
    "hostile",
    [
        "",
        ",",
        "novalue",
        "UPPER=x",
        "a=b=c",
        "a=\x00",
        "a=ü",
        "k=" + "v" * 600,
        ",".join(f"k{n}=v" for n in range(33)),
        7,
        ["a=b"],
    ],
)
def test_an_invalid_tracestate_is_dropped(hostile: object) -> None:
    assert tracestate_or_none(hostile) is None


def envelope_body(**extension: object) -> bytes:
    fact = CravingCheckInRecorded(person_id="p-1", level=1, checked_on=datetime.now(UTC).date())
    document = {
        "specversion": "1.0",
        "id": "e-1",
        "source": "/clinics/ehr",
        "type": fact.event_type(),
        "subject": "p-1",
        "time": "2026-01-01T00:00:00Z",
        "correlationid": "c-1",
        "data": fact.model_dump(mode="json"),
        **extension,
    }
    return json.dumps(document).encode()


def test_an_event_carries_its_trace_context_through_parsing() -> None:
    parsed = parse_envelope(envelope_body(traceparent=VALID, tracestate="congo=t61rcWkgMzE"))
    assert isinstance(parsed, Envelope)
    assert (parsed.traceparent, parsed.tracestate) == (VALID, "congo=t61rcWkgMzE")


# What parsing.py refuses anywhere in an envelope is refused here too (keys MongoDB would
# read as operators, integers past 64 bits, NaN); every other JSON value is fair game.
plain_keys = st.text().filter(lambda key: not key.startswith("$") and not {".", "\x00"} & set(key))
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(plain_keys, inner, max_size=3),
    max_leaves=8,
)


@given(traceparent=json_values, tracestate=json_values)
def test_a_hostile_trace_context_never_refuses_an_event(
    traceparent: object, tracestate: object
) -> None:
    """Whatever a sender puts in the extension, the fact is still read (and its consumer
    starts a new trace when the value is not valid trace context)."""
    parsed = parse_envelope(envelope_body(traceparent=traceparent, tracestate=tracestate))
    assert isinstance(parsed, Envelope), parsed
    assert parsed.traceparent in (None, traceparent)
    assert parsed.tracestate in (None, tracestate)


def test_an_invalid_traceparent_starts_a_new_trace() -> None:
    assert not trace.get_current_span(parent_context("garbage", "a=b")).get_span_context().is_valid
    assert not trace.get_current_span(parent_context(None, None)).get_span_context().is_valid


def test_a_valid_traceparent_is_continued() -> None:
    parent = trace.get_current_span(parent_context(VALID, "congo=t61rcWkgMzE")).get_span_context()
    assert parent.is_valid and parent.is_remote
    assert parent.trace_id == TRACE_ID
    assert parent.trace_state.get("congo") == "t61rcWkgMzE"


def make() -> Envelope:
    return make_envelope(
        event_id="e-1",
        source="/intake",
        event_type="peerlink.person.craving-check-in-recorded.v1",
        subject="p-1",
        time=datetime.now(UTC),
        data={},
        correlation_id="c-1",
    )


def test_an_event_made_inside_a_span_carries_that_span() -> None:
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("request") as span:
        made = make()
    context = span.get_span_context()
    assert (
        made.traceparent
        == f"00-{context.trace_id:032x}-{context.span_id:016x}-{context.trace_flags:02x}"
    )
    # On the wire, and back.
    assert Envelope.model_validate_json(made.model_dump_json()).traceparent == made.traceparent


def test_an_event_made_outside_any_span_carries_none() -> None:
    assert current_trace_context() == (None, None)
    made = make()
    assert (made.traceparent, made.tracestate) == (None, None)
