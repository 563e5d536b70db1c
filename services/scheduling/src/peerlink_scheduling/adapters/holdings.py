"""What scheduling holds about one person, for their subject access report: where they may
serve, their availability, stays, exclusions, and the sessions they are booked into or that
were requested for them.

Other persons' ids are theirs: a resident's meeting does not name its supporter, a
supporter's booking does not name the resident, and an exclusion list is counted, not
listed. Lookups are by `_id` (one per centre where a key holds the centre) or by an
indexed field, as FerretDB v1 serves them.
"""

from __future__ import annotations

import calendar

from peerlink_shared.lifecycle.subject_access import Purpose, Record, StoreHeld, plain, record
from peerlink_shared.security.auth import Principal
from peerlink_shared.storage.mongo import Database, Document, each, for_report

from peerlink_scheduling.domain.matching import session_kind

# The same words as docs/privacy.md, so the page and the report agree.
ELIGIBLE = Purpose(
    store="eligible",
    holds="at which centres you may serve as a peer supporter, and from when",
    why="matching supporters to sessions",
)
AVAILABILITY = Purpose(
    store="availability",
    holds="the times, centres and regions you said you are available for",
    why="matching supporters to sessions",
)
HISTORIES = Purpose(
    store="histories",
    holds="your stays at centres: admissions and leavings, and whether completed",
    why="matching rules (a supporter does not meet residents they were in treatment with)",
)
EXCLUSIONS = Purpose(
    store="exclusions",
    holds="how many supporters you must never be paired with, per centre (their ids are "
    "theirs, not listed)",
    why="matching rules (conflicts of interest)",
)
ASSIGNMENTS = Purpose(
    store="assignments",
    holds="the sessions you are booked into as a supporter, and the one-on-one meetings "
    "booked for you as a resident",
    why="staffing sessions, and telling the people involved",
)
SESSIONS = Purpose(
    store="sessions",
    holds="one-on-one meetings requested for you as a resident",
    why="staffing sessions",
)


class SchedulingHoldings:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def held(self, person_id: str, *, caller: Principal) -> list[StoreHeld]:
        db = self._db
        centres = sorted([doc["_id"] async for doc in db["centres"].find({}, {"_id": 1})])
        eligible = await each(
            centres, lambda c: db["eligible"].find_one({"_id": f"{person_id}:{c}"})
        )
        excluded = await each(
            centres, lambda c: db["exclusions"].find_one({"_id": f"{c}:{person_id}"})
        )
        availability = await db["availability"].find_one({"_id": person_id})
        history = await db["histories"].find_one({"_id": person_id})
        assignments, sessions = db["assignments"], db["sessions"]
        as_supporter = await for_report(assignments, {"supporter_id": person_id}, by="starts_at")
        as_resident = await for_report(assignments, {"resident_id": person_id}, by="starts_at")
        meetings = await for_report(sessions, {"resident_id": person_id}, by="starts_at")
        return [
            ELIGIBLE.held([_eligible(doc) for doc in eligible if doc is not None]),
            AVAILABILITY.held([] if availability is None else [_availability(availability)]),
            HISTORIES.held([] if history is None else _stays(history)),
            EXCLUSIONS.held(
                [
                    {"centre_id": centre, "supporters_excluded": len(doc.get("supporter_ids", []))}
                    for centre, doc in zip(centres, excluded, strict=True)
                    if doc is not None
                ],
            ),
            ASSIGNMENTS.held(
                [_booking(doc, as_role="supporter") for doc in as_supporter]
                + [_booking(doc, as_role="resident") for doc in as_resident],
            ),
            SESSIONS.held([_meeting(doc) for doc in meetings]),
        ]


def _eligible(doc: Document) -> Record:
    return {
        "centre_id": doc.get("centre_id"),
        "eligible": bool(doc.get("eligible")),
        "eligible_from": doc.get("eligible_from"),
    }


def _availability(doc: Document) -> Record:
    weekly = doc.get("weekly", {})
    exceptions = doc.get("exceptions", {})
    return {
        "timezone": doc.get("timezone"),
        "weekly": [
            f"{calendar.day_name[int(day)]} {w['start']}-{w['end']}"
            for day, items in sorted(weekly.items())
            for w in items
        ],
        "exceptions": [
            f"{day}: " + (", ".join(f"{w['start']}-{w['end']}" for w in items) or "unavailable")
            for day, items in sorted(exceptions.items())
        ],
        **record(doc, leave_out=("_id", "timezone", "weekly", "exceptions")),
    }


def _stays(doc: Document) -> list[Record]:
    admissions: list[Record] = [
        {"stay": "admitted", "centre_id": item.get("centre_id"), "on": item.get("on")}
        for item in doc.get("admissions", [])
    ]
    leavings: list[Record] = [
        {
            "stay": "completed" if item.get("completed") else "left",
            "centre_id": item.get("centre_id"),
            "on": item.get("on"),
        }
        for item in doc.get("leavings", [])
    ]
    return admissions + leavings


def _booking(doc: Document, *, as_role: str) -> Record:
    found: Record = {
        "as": as_role,
        "session_id": doc.get("session_id"),
        "centre_id": doc.get("centre_id"),
        "kind": session_kind(doc.get("resident_id")),
        "starts_at": plain(doc.get("starts_at")),
        "duration_minutes": doc.get("duration_minutes"),
        "assigned_at": plain(doc.get("assigned_at")),
    }
    if as_role == "supporter":
        found["why_chosen"] = doc.get("why")
    return found


def _meeting(doc: Document) -> Record:
    return {
        "session_id": doc.get("_id"),
        "centre_id": doc.get("centre_id"),
        "window_starts_at": plain(doc.get("starts_at")),
        "window_ends_at": plain(doc.get("window_ends_at")),
        "duration_minutes": doc.get("duration_minutes"),
        "cancelled_at": plain(doc.get("cancelled_at")),
    }
