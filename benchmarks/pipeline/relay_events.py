"""What each hop of the hand-written relay publishes for an event: pure rules that give the
same fan-out as the services on this workload (5 facts → 5 person events → 3 eligibility
changes → per booked graduate an assignment and a staffing event → a message each). The
events are CloudEvents with the contracts' type names and payload fields, so they weigh
about what the services' do, and one observer reads both sides."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from peerlink_shared.contracts import (
    EligibilityChanged,
    MessageRecorded,
    SessionUnfilled,
    SupporterAssigned,
)

from benchmarks.pipeline.hops import CHANGES_PER_GRADUATE
from benchmarks.pipeline.population import FACTS_PER_GRADUATE

Json = dict[str, object]
SOURCE = "/bench/relay"
ASSIGNED = SupporterAssigned.event_type()


class NotAnEvent(ValueError):
    pass


@dataclass(frozen=True)
class Incoming:
    id: str
    type: str
    subject: str
    correlation: str
    data: Json

    @classmethod
    def parse(cls, value: bytes) -> Incoming:
        raw: object = json.loads(value)
        if not isinstance(raw, dict) or not isinstance(data := raw.get("data"), dict):
            raise NotAnEvent("not an envelope with a data object")
        return cls(
            str(raw["id"]),
            str(raw["type"]),
            str(raw["subject"]),
            str(raw["correlationid"]),
            {str(name): value for name, value in data.items()},
        )

    def text(self, name: str) -> str:
        return str(self.data.get(name, ""))


@dataclass(frozen=True)
class Outgoing:
    type: str
    subject: str  # also the Kafka key
    data: Json
    place: str | None = None  # the booking place this event claims (hop 3)

    def body(self, event_id: str, cause: Incoming) -> bytes:
        # A message's id is its event's id, as in notifications.
        data = {**self.data, "message_id": event_id} if "message_id" in self.data else self.data
        return json.dumps(
            {
                "specversion": "1.0",
                "id": event_id,
                "source": SOURCE,
                "type": self.type,
                "subject": self.subject,
                "time": datetime.now(UTC).isoformat(),
                "datacontenttype": "application/json",
                "correlationid": cause.correlation,
                "causationid": cause.id,
                "data": data,
            }
        ).encode()


@dataclass(frozen=True)
class Seen:
    """What the hop's own state says when the event is handled."""

    facts: int = 0  # hop 2: the graduate's facts so far, this one included
    centre: str = ""  # hop 2: where they completed
    booked: int = 0  # hop 3: places already taken at the centre


def publishes(hop: int, event: Incoming, seen: Seen, *, places: int) -> list[Outgoing]:
    if hop == 1:
        return [Outgoing(event.type, event.subject, event.data)]
    if hop == 2:
        return _changes(event, seen)
    if hop == 3:
        return _bookings(event, seen, places=places)
    return [_message(event)]


def _changes(event: Incoming, seen: Seen) -> list[Outgoing]:
    if seen.facts <= FACTS_PER_GRADUATE - CHANGES_PER_GRADUATE:
        return []
    eligible = seen.facts >= FACTS_PER_GRADUATE
    today = datetime.now(UTC).date().isoformat()
    data: Json = {
        "person_id": event.subject,
        "centre_id": seen.centre,
        "eligible": eligible,
        "reasons": [] if eligible else ["no_craving_check_in"],
        "eligible_from": None,
        "decided_on": today,
    }
    return [Outgoing(EligibilityChanged.event_type(), event.subject, data)]


def _bookings(event: Incoming, seen: Seen, *, places: int) -> list[Outgoing]:
    if event.data.get("eligible") is not True or seen.booked >= places:
        return []
    centre, slot = event.text("centre_id"), seen.booked
    session = f"{centre}-s{slot}"
    starts = datetime.combine(datetime.now(UTC).date() + timedelta(days=3), time(10), UTC)
    assigned: Json = {
        "session_id": session,
        "centre_id": centre,
        "supporter_id": event.subject,
        "slot": slot,
        "starts_at": starts.isoformat(),
        "duration_minutes": 60,
        "assigned_on": starts.date().isoformat(),
    }
    staffing: Json = {
        "session_id": session,
        "centre_id": centre,
        "starts_at": starts.isoformat(),
        "open_slots": max(1, places - slot - 1),
        "reason": "no_eligible_supporters",
    }
    return [
        Outgoing(ASSIGNED, session, assigned, place=f"{centre}:{slot}"),
        Outgoing(SessionUnfilled.event_type(), session, staffing),
    ]


def _message(event: Incoming) -> Outgoing:
    recipient = event.text("supporter_id") if event.type == ASSIGNED else event.text("centre_id")
    data: Json = {
        "message_id": "",
        "recipient_id": recipient,
        "channel": "in_app",
        "cause_event_id": event.id,
    }
    return Outgoing(MessageRecorded.event_type(), recipient, data)
