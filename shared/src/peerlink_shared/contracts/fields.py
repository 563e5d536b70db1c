"""The value types both doors check alike: a field arriving over Kafka is held to the same
bounds as the same field over HTTP, so a rule lives here once.

Ids are opaque, text is bounded and free of control characters, dates and moments fall in
a range a record could hold, and a time zone is a real IANA name.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Annotated
from zoneinfo import available_timezones

from pydantic import AfterValidator, AwareDatetime, Field
from pydantic_core import PydanticCustomError

from peerlink_shared.contracts.base import OPAQUE_ID_PATTERN, PLAIN_TEXT_PATTERN

REASON_CODE_PATTERN = r"^[a-z0-9_]{1,64}$"
# Facts reach back to the oldest living person's first admission; validity (training,
# background checks) and sessions reach a few years ahead. Outside: a typo or an attack.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)
EARLIEST_MOMENT = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
LATEST_MOMENT = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)
# Names whose meaning depends on the machine reading them.
_MACHINE_ZONES = frozenset({"localtime", "posixrules", "Factory"})


@cache
def known_time_zones() -> frozenset[str]:
    """Every IANA zone name (the system's database or the tzdata package), read once."""
    return frozenset(available_timezones()) - _MACHINE_ZONES


def known_time_zone(name: str) -> str:
    # A set lookup, not ZoneInfo(name): untrusted text never becomes a file path, and a
    # directory name ("America") is refused instead of raising IsADirectoryError.
    if name not in known_time_zones():
        raise PydanticCustomError("unknown_timezone", "not an IANA time zone name")
    return name


OpaqueId = Annotated[str, Field(pattern=OPAQUE_ID_PATTERN)]
EventId = Annotated[str, Field(min_length=1, max_length=128, pattern=PLAIN_TEXT_PATTERN)]
ReasonCodeText = Annotated[str, Field(pattern=REASON_CODE_PATTERN)]
DisplayName = Annotated[str, Field(min_length=1, max_length=120, pattern=PLAIN_TEXT_PATTERN)]
RegionName = Annotated[str, Field(min_length=1, max_length=60, pattern=PLAIN_TEXT_PATTERN)]
TimeZoneName = Annotated[
    str,
    Field(min_length=1, max_length=64, examples=["Europe/Dublin"]),
    AfterValidator(known_time_zone),
]
RecordDate = Annotated[dt.date, Field(ge=EARLIEST_DATE, le=LATEST_DATE)]
Moment = Annotated[AwareDatetime, Field(ge=EARLIEST_MOMENT, le=LATEST_MOMENT)]
DurationMinutes = Annotated[int, Field(ge=15, le=480)]
SupportersNeeded = Annotated[int, Field(ge=1, le=20)]
# A slot of a session: 0 up to SupportersNeeded's bound.
Slot = Annotated[int, Field(ge=0, le=19)]
SoberDays = Annotated[int, Field(ge=0, le=36500)]
CravingLevel = Annotated[int, Field(ge=0, le=10, description="0 none … 10 overwhelming.")]
