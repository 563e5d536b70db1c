"""What a service holds about one person, store by store, with why and for how long: each
service's answer to a subject access request (GDPR Art. 15), which intake assembles into the
person's report.

Each service names its stores in one small table of `Purpose`s, the same words as
docs/privacy.md, so the page and the report say the same. Records are flat (a field is a
plain value or a list of strings), so any reader, and the report page, can show them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum

from pydantic import BaseModel, ConfigDict, Field

Value = str | int | float | bool | None | list[str]
Record = dict[str, Value]
UNTIL_ERASED = "no set period: until the person's data is erased"
# Per store: a person's facts or messages run to hundreds at most; past this, say so.
MAX_RECORDS = 1000


@dataclass(frozen=True)
class Purpose:
    """One store of a service: what it holds about a person, why, and how long it is kept."""

    store: str
    holds: str
    why: str
    kept: str = UNTIL_ERASED

    def held(self, records: Iterable[Record]) -> StoreHeld:
        """The store's part of a report: what it holds, why, and the person's records."""
        found = list(records)
        return StoreHeld(
            store=self.store,
            holds=self.holds,
            why=self.why,
            kept=self.kept,
            records=found[:MAX_RECORDS],
            truncated=len(found) > MAX_RECORDS,
        )


class StoreHeld(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    store: str = Field(description="The collection.", examples=["facts"])
    holds: str = Field(description="What it holds about the person.")
    why: str = Field(description="Why PeerLink keeps it.")
    kept: str = Field(description="How long it is kept.", examples=["180 days"])
    records: list[Record] = Field(description="What it holds about this person, record by record.")
    truncated: bool = Field(
        default=False, description=f"True when there were more than {MAX_RECORDS} records."
    )


class Held(BaseModel):
    """One service's answer to `GET /persons/{person_id}/held`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    service: str = Field(examples=["eligibility"])
    person_id: str
    stores: list[StoreHeld]


def plain(value: object) -> Value:
    """A stored value as a report shows it: dates as ISO text, lists as lists of text,
    anything else nested as its text."""
    match value:
        case None | bool() | int() | float() | str():
            return value
        case datetime() | date():
            return value.isoformat()
        case Enum():
            return plain(value.value)
        case list() | tuple() | set() | frozenset():
            return [str(plain(item)) for item in value]
        case _:
            return str(value)


def record(document: Mapping[str, object], *, leave_out: Iterable[str] = ()) -> Record:
    """The document's fields as a record, without the ones named (ids the reader knows,
    secrets, internal counters)."""
    skipped = set(leave_out)
    return {key: plain(value) for key, value in document.items() if key not in skipped}


def kept_for(days: int, setting: str) -> str:
    """A period a setting chooses, as a report says it."""
    return f"{days} days ({setting})"
