"""Which centres a clinic system may act for, as numbered versions, and what that allows.

Every change is a new version that says who made it and when; a change that changes nothing
makes no version, so a retried request is harmless.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

Change = Literal["replaced", "granted", "revoked"]


@dataclass(frozen=True)
class ChangedBy:
    """The caller who made a change, as their token named them."""

    subject: str
    role: str
    centre: str


@dataclass(frozen=True)
class ClinicGrants:
    clinic: str
    version: int
    centres: frozenset[str]
    change: Change
    centre: str | None  # the one centre granted or revoked; None when the list was replaced
    changed_by: ChangedBy
    changed_at: datetime


def replaced(
    current: ClinicGrants | None,
    *,
    clinic: str,
    centres: frozenset[str],
    by: ChangedBy,
    at: datetime,
) -> ClinicGrants | None:
    """The whole list set at once (the first version registers the clinic); None if unchanged."""
    if current is not None and current.centres == centres:
        return None
    version = 1 if current is None else current.version + 1
    return ClinicGrants(clinic, version, centres, "replaced", None, by, at)


def granted(
    current: ClinicGrants, *, centre: str, by: ChangedBy, at: datetime
) -> ClinicGrants | None:
    if centre in current.centres:
        return None
    return _next(
        current, centres=current.centres | {centre}, change="granted", centre=centre, by=by, at=at
    )


def revoked(
    current: ClinicGrants, *, centre: str, by: ChangedBy, at: datetime
) -> ClinicGrants | None:
    if centre not in current.centres:
        return None
    return _next(
        current, centres=current.centres - {centre}, change="revoked", centre=centre, by=by, at=at
    )


def _next(
    current: ClinicGrants,
    *,
    centres: frozenset[str],
    change: Change,
    centre: str,
    by: ChangedBy,
    at: datetime,
) -> ClinicGrants:
    return replace(
        current,
        version=current.version + 1,
        centres=centres,
        change=change,
        centre=centre,
        changed_by=by,
        changed_at=at,
    )


def sender_refusal(
    granted_centres: frozenset[str],
    *,
    fact_centre: str | None,
    admits: bool,
    person_centres: frozenset[str],
) -> str | None:
    """Why a clinic serving `granted_centres` may not record a fact about a person who is
    registered or admitted at `person_centres`, or None when it may.

    A fact about a stay names its centre, which the clinic must serve; an admission brings
    the person to that centre, any other stay fact needs them to be there already (as at
    the HTTP door). A fact about the person alone needs them to be at a centre it serves.
    """
    if fact_centre is not None:
        if fact_centre not in granted_centres:
            return "data.centre_id is not a centre this clinic may act for"
        if not admits and fact_centre not in person_centres:
            return "the person is not registered or admitted at data.centre_id"
        return None
    if not granted_centres & person_centres:
        return "the person is at no centre this clinic may act for"
    return None
