"""Event contracts: a unique, versioned type per payload; envelopes round-trip as JSON."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from peerlink_shared.contracts import PAYLOAD_BY_TYPE, PAYLOADS, AdmissionRecorded
from peerlink_shared.envelope import Envelope, derived_event_id, make_envelope
from pydantic import ValidationError


def test_every_payload_has_its_own_versioned_type() -> None:
    assert len(PAYLOAD_BY_TYPE) == len(PAYLOADS)
    assert all(event_type.rsplit(".", 1)[-1].startswith("v") for event_type in PAYLOAD_BY_TYPE)


def test_derived_ids_are_fixed_by_their_cause() -> None:
    assert derived_event_id("a", "b") == derived_event_id("a", "b")
    assert derived_event_id("a", "b") != derived_event_id("a", "c")
    assert derived_event_id("ab", "c") != derived_event_id("a", "bc")


def test_envelope_round_trips_with_cloudevents_attributes() -> None:
    payload = AdmissionRecorded(person_id="p-1", centre_id="north", admitted_on=date(2026, 1, 2))
    envelope = make_envelope(
        event_id="e-1",
        source="/peerlink/intake",
        event_type=payload.event_type(),
        subject="p-1",
        time=datetime(2026, 1, 2, tzinfo=UTC),
        data=payload.model_dump(mode="json"),
        correlation_id="c-1",
    )
    wire = envelope.model_dump(mode="json")
    assert {
        "id",
        "source",
        "type",
        "subject",
        "time",
        "specversion",
        "correlationid",
        "causationid",
    } <= set(wire)
    assert wire["specversion"] == "1.0"
    again = Envelope.model_validate_json(envelope.model_dump_json())
    assert AdmissionRecorded.model_validate(again.data) == payload


@pytest.mark.parametrize("bad_id", ["Jane Doe", "p.1", "$gt", "", "x" * 65])
def test_ids_are_opaque(bad_id: str) -> None:
    with pytest.raises(ValidationError):
        AdmissionRecorded(person_id=bad_id, centre_id="north", admitted_on=date(2026, 1, 2))


def test_readers_tolerate_fields_they_do_not_know() -> None:
    data = {"person_id": "p-1", "centre_id": "north", "admitted_on": "2026-01-02", "added_later": 1}
    assert AdmissionRecorded.model_validate(data).person_id == "p-1"
