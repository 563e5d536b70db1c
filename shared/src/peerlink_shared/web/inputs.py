"""Strict types for what HTTP callers send: a value of the wrong JSON type is refused, never
converted into something it did not say.

Pydantic's lax mode reads `86400` and `"86400"` as 1970-01-02, `"yes"` as true and `"365"` as
365. FastAPI validates a body as Python objects, where pydantic's own strict mode refuses every
date (JSON has no date type, so a date arrives as a string); hence these validators, which
take each value only in the one JSON form the OpenAPI document names. Event payloads read
from Kafka keep their own tolerant models.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated
from zoneinfo import available_timezones

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    PlainSerializer,
    StrictBool,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from peerlink_shared.contracts.fields import (
    EARLIEST_DATE,
    EARLIEST_MOMENT,
    LATEST_DATE,
    LATEST_MOMENT,
)

__all__ = [
    "NUMBER_ONLY",
    "TIME_ZONES",
    "IsoDate",
    "IsoDateTime",
    "LocalTime",
    "StrictBool",
    "TimeZoneName",
    "WholeNumber",
]

# RFC 3339 (what OpenAPI's `date` and `date-time` formats mean): no week dates, no ordinal
# dates, no time without seconds, and a date-time always carries its offset.
_FULL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
LOCAL_TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
TIME_ZONE_PATTERN = r"^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}$"
_LOCAL_TIME = re.compile(LOCAL_TIME_PATTERN)
# The IANA names this machine's zone database knows, less its aliases for "wherever this
# server is" (`localtime`, `posixrules`) and the zone that means "not set" (`Factory`).
TIME_ZONES = tuple(
    sorted(name for name in available_timezones() if name[0].isupper() and name != "Factory")
)
_KNOWN_ZONES = frozenset(TIME_ZONES)


def _date_text(value: object) -> object:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value  # built in code, not sent
    if isinstance(value, str) and _FULL_DATE.fullmatch(value):
        return value
    raise PydanticCustomError("date_format", "must be a date written YYYY-MM-DD")


def _date_in_bounds(value: dt.date) -> dt.date:
    # The contracts' bounds, so a body that passes here also builds its event.
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise PydanticCustomError("date_out_of_range", "must be between 1900 and 2199")
    return value


def _moment_in_bounds(value: dt.datetime) -> dt.datetime:
    if not EARLIEST_MOMENT <= value < LATEST_MOMENT:
        raise PydanticCustomError("datetime_out_of_range", "must be between 1900 and 2199")
    return value


def _date_time_text(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _DATE_TIME.fullmatch(value):
        return value
    raise PydanticCustomError(
        "datetime_format",
        "must be an RFC 3339 date-time with its offset, such as 2026-03-01T17:00:00+00:00",
    )


def _local_time_text(value: object) -> object:
    if isinstance(value, dt.time):
        return value
    if isinstance(value, str) and _LOCAL_TIME.fullmatch(value):
        return value
    raise PydanticCustomError("time_format", "must be a local time written hh:mm, 00:00 to 23:59")


def _number(value: object) -> object:
    # 8.0 is the JSON number 8 (JSON Schema's `integer` admits it); true and "8" are not numbers.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    raise PydanticCustomError("int_type", "must be a JSON integer, not a string or a boolean")


def _time_zone(value: object) -> object:
    if isinstance(value, str) and value in _KNOWN_ZONES:
        return value
    raise PydanticCustomError("unknown_timezone", "must be an IANA name such as Europe/Dublin")


IsoDate = Annotated[dt.date, BeforeValidator(_date_text), AfterValidator(_date_in_bounds)]
"""A calendar date, only as the string YYYY-MM-DD."""

IsoDateTime = Annotated[
    AwareDatetime, BeforeValidator(_date_time_text), AfterValidator(_moment_in_bounds)
]
"""An instant, only as an RFC 3339 string with its UTC offset."""

LocalTime = Annotated[
    dt.time,
    BeforeValidator(_local_time_text),
    PlainSerializer(lambda value: value.strftime("%H:%M"), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": LOCAL_TIME_PATTERN, "examples": ["17:00"]}),
]
"""A wall-clock time of day in some named zone: hh:mm, no seconds, no offset."""

NUMBER_ONLY = BeforeValidator(_number)
WholeNumber = Annotated[int, NUMBER_ONLY]
"""An integer sent as a JSON number; give it a range with `= Field(ge=, le=)`. An optional
one is `Annotated[int, Field(ge=, le=), NUMBER_ONLY] | None`: pydantic documents a range only
when it comes before the validator."""

TimeZoneName = Annotated[
    str,
    BeforeValidator(_time_zone),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": TIME_ZONE_PATTERN,
            "maxLength": 64,
            "description": "An IANA time zone name this server's zone database knows.",
            "examples": ["Europe/Dublin"],
        }
    ),
]
"""An IANA time zone name this server knows. The document gives the names' shape, not the
list: the zone database is data, updated apart from the API (an enum would pin one version
of it into every generated client)."""
