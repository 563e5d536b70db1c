"""Event contracts: a unique, versioned type per payload; envelopes round-trip as JSON."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from peerlink_shared.contracts import (
    PAYLOAD_BY_TYPE,
    PAYLOADS,
    AdmissionRecorded,
    CentreRegistered,
    EligibilityChanged,
    MessageDelivered,
    MessageRecorded,
    Payload,
    PolicyChanged,
    SessionFilled,
    SupporterAssigned,
)
from peerlink_shared.messaging.envelope import Envelope, derived_event_id, make_envelope
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


CENTRE = {"centre_id": "north", "display_name": "North House", "region": "north"}


@pytest.mark.parametrize("zone", ["Europe/Dublin", "UTC", "America/Argentina/Buenos_Aires"])
def test_a_centre_in_a_real_time_zone_is_accepted(zone: str) -> None:
    assert CentreRegistered.model_validate({**CENTRE, "timezone": zone}).timezone == zone


@pytest.mark.parametrize(
    "zone",
    [
        "Mars/Olympus",
        "America",
        "../../etc/passwd",
        "/etc/localtime",
        "localtime",
        "utc",
        "",
        "x" * 65,
    ],
)
def test_a_centre_timezone_must_be_an_iana_name(zone: str) -> None:
    """Over Kafka as over HTTP: scheduling computes local days with it, so a name ZoneInfo
    cannot load (or loads from a path) would fail later, in a handler."""
    with pytest.raises(ValidationError) as raised:
        CentreRegistered.model_validate({**CENTRE, "timezone": zone})
    assert raised.value.errors()[0]["loc"] == ("timezone",)


@pytest.mark.parametrize(
    "day", [date(1899, 12, 31), date(2200, 1, 1), date(1, 1, 1), date(9999, 12, 31)]
)
def test_dates_out_of_any_record_are_refused(day: date) -> None:
    with pytest.raises(ValidationError):
        AdmissionRecorded(person_id="p-1", centre_id="north", admitted_on=day)


VALID: dict[type[Payload], dict[str, object]] = {
    EligibilityChanged: {
        "person_id": "p-1",
        "centre_id": "north",
        "eligible": False,
        "reasons": ["sober_too_short"],
        "decided_on": "2026-01-02",
    },
    SessionFilled: {
        "session_id": "s-1",
        "centre_id": "north",
        "starts_at": "2026-01-02T10:00:00Z",
        "supporter_ids": ["p-1"],
    },
    PolicyChanged: {
        "centre_id": "north",
        "version": 1,
        "accept_network_graduates": False,
        "min_sober_days": 365,
        "cooling_off_days": 0,
        "craving_threshold": 3,
        "craving_max_age_days": 30,
        "require_training": False,
        "require_background_check": False,
    },
    SupporterAssigned: {
        "session_id": "s-1",
        "centre_id": "north",
        "supporter_id": "p-1",
        "slot": 0,
        "starts_at": "2026-01-02T10:00:00Z",
        "duration_minutes": 60,
        "assigned_on": "2026-01-02",
    },
    MessageRecorded: {
        "message_id": "m-1",
        "recipient_id": "p-1",
        "channel": "in_app",
        "cause_event_id": "e-1",
    },
    MessageDelivered: {
        "message_id": "m-1",
        "delivery_id": "d-1",
        "recipient_id": "p-1",
        "channel": "email",
        "attempts": 1,
    },
}


@pytest.mark.parametrize(
    ("model", "data", "field"),
    [
        (
            EligibilityChanged,
            {"reasons": ["x" * 65]},
            "reasons",
        ),
        (EligibilityChanged, {"reasons": ["Sober Too Short"]}, "reasons"),
        (EligibilityChanged, {"reasons": ["a"] * 33}, "reasons"),
        (SessionFilled, {"supporter_ids": ["s"] * 21}, "supporter_ids"),
        (SessionFilled, {"supporter_ids": ["Jane Doe"]}, "supporter_ids"),
        (SessionFilled, {"starts_at": "9999-01-01T00:00:00Z"}, "starts_at"),
        (PolicyChanged, {"version": 2**63}, "version"),
        (SupporterAssigned, {"slot": 20}, "slot"),
        (MessageRecorded, {"message_id": "m\u0000"}, "message_id"),
        (MessageDelivered, {"attempts": 10**6}, "attempts"),
    ],
)
def test_kafka_values_are_bounded_like_http_input(
    model: type[Payload], data: dict[str, object], field: str
) -> None:
    valid = VALID[model]
    model.model_validate(valid)
    with pytest.raises(ValidationError) as raised:
        model.model_validate({**valid, **data})
    assert {error["loc"][0] for error in raised.value.errors()} == {field}
