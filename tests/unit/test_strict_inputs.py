"""The strict input types take each value only in the JSON form the OpenAPI document names:
a number is not a date, a string is not a number or a boolean."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

import pytest
from peerlink_shared.web.inputs import (
    NUMBER_ONLY,
    TIME_ZONES,
    IsoDate,
    IsoDateTime,
    LocalTime,
    StrictBool,
    TimeZoneName,
    WholeNumber,
)
from pydantic import Field, TypeAdapter, ValidationError

UTC = dt.UTC

ACCEPTED: list[tuple[Any, object, object]] = [
    (IsoDate, "2026-03-01", dt.date(2026, 3, 1)),
    (IsoDate, dt.date(2026, 3, 1), dt.date(2026, 3, 1)),
    (IsoDateTime, "2026-03-01T17:00:00Z", dt.datetime(2026, 3, 1, 17, tzinfo=UTC)),
    (IsoDateTime, "2026-03-01T18:00:00+01:00", dt.datetime(2026, 3, 1, 17, tzinfo=UTC)),
    (IsoDateTime, "2026-03-01T17:00:00.25z", dt.datetime(2026, 3, 1, 17, 0, 0, 250000, UTC)),
    (LocalTime, "17:00", dt.time(17, 0)),
    (LocalTime, "00:00", dt.time(0, 0)),
    (WholeNumber, 365, 365),
    (WholeNumber, 365.0, 365),  # the same JSON number: JSON Schema's integer admits it
    (StrictBool, True, True),
    (StrictBool, False, False),
    (TimeZoneName, "Europe/Dublin", "Europe/Dublin"),
    (TimeZoneName, "UTC", "UTC"),
]
REFUSED: list[tuple[Any, object, str]] = [
    (IsoDate, 86400, "date_format"),  # lax pydantic: 1970-01-02
    (IsoDate, "86400", "date_format"),  # lax pydantic: 1970-01-02
    (IsoDate, 1.7e9, "date_format"),
    (IsoDate, True, "date_format"),
    (IsoDate, "2026-03-01T00:00:00", "date_format"),  # lax pydantic: a date
    (IsoDate, "2026-3-1", "date_format"),
    (IsoDate, "2026-02-30", "date_from_datetime_parsing"),
    (IsoDate, dt.datetime(2026, 3, 1, tzinfo=UTC), "date_format"),
    (IsoDateTime, 86400, "datetime_format"),  # lax pydantic: 1970-01-02T00:00:00Z
    (IsoDateTime, "0.5", "datetime_format"),  # lax pydantic: half a second after 1970
    (IsoDateTime, "2026-03-01T17:00:00", "datetime_format"),  # no offset
    (IsoDateTime, "2026-03-01T17:00Z", "datetime_format"),  # no seconds
    (IsoDateTime, "2026-03-01 17:00:00Z", "datetime_format"),
    (LocalTime, 61200, "time_format"),  # lax pydantic: 17:00 UTC
    (LocalTime, "17:00:00", "time_format"),
    (LocalTime, "17:00Z", "time_format"),
    (LocalTime, "24:00", "time_format"),
    (LocalTime, "7:00", "time_format"),
    (WholeNumber, "365", "int_type"),  # lax pydantic: 365
    (WholeNumber, True, "int_type"),  # lax pydantic: 1
    (WholeNumber, None, "int_type"),
    (WholeNumber, 365.5, "int_from_float"),
    (StrictBool, "yes", "bool_type"),  # lax pydantic: true
    (StrictBool, "true", "bool_type"),
    (StrictBool, 1, "bool_type"),
    (StrictBool, 0, "bool_type"),
    (TimeZoneName, "Mars/Olympus", "unknown_timezone"),
    (TimeZoneName, "localtime", "unknown_timezone"),  # the server's own zone, not a name
    (TimeZoneName, "europe/dublin", "unknown_timezone"),
    (TimeZoneName, 0, "unknown_timezone"),
]


@pytest.mark.parametrize(("kind", "sent", "read"), ACCEPTED)
def test_a_value_in_its_documented_form_is_read(kind: Any, sent: object, read: object) -> None:
    assert TypeAdapter(kind).validate_python(sent) == read


@pytest.mark.parametrize(("kind", "sent", "error"), REFUSED)
def test_a_value_of_another_form_is_refused_not_converted(
    kind: Any, sent: object, error: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        TypeAdapter(kind).validate_python(sent)
    assert refused.value.errors()[0]["type"] == error


def test_an_optional_number_keeps_its_range_in_the_document() -> None:
    optional = Annotated[int, Field(ge=0, le=50), NUMBER_ONLY] | None
    schema = TypeAdapter(optional).json_schema()

    assert {"type": "integer", "minimum": 0, "maximum": 50} in schema["anyOf"]
    with pytest.raises(ValidationError):
        TypeAdapter(optional).validate_python("5")
    with pytest.raises(ValidationError):
        TypeAdapter(optional).validate_python(51)


def test_a_local_time_is_written_back_as_it_is_read() -> None:
    adapter = TypeAdapter(LocalTime)

    assert adapter.dump_python(dt.time(7, 5), mode="json") == "07:05"
    assert adapter.json_schema()["pattern"] == "^([01][0-9]|2[0-3]):[0-5][0-9]$"


def test_every_accepted_time_zone_has_the_documented_shape() -> None:
    shape = re.compile(TypeAdapter(TimeZoneName).json_schema()["pattern"])

    assert "Europe/Dublin" in TIME_ZONES
    assert all(shape.fullmatch(name) and len(name) <= 64 for name in TIME_ZONES)
