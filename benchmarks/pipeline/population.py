"""Who a step sends: fresh centres with a few group sessions, and graduates of them, each
with the facts that make them eligible (the fault suite's "qualifies" kind)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from peerlink_devtools.fault.workload import facts_for
from peerlink_shared.messaging.envelope import make_envelope, new_event_id

SOURCE = "/bench/clinic"
FACTS_PER_GRADUATE = 5  # admission, completion, a 500-day milestone, volunteering, check-in


@dataclass(frozen=True)
class Layout:
    """Centres and sessions made for every step, so each step starts from the same state."""

    centres: int
    sessions_per_centre: int
    supporters_per_session: int
    session_minutes: int = 60

    @property
    def places_per_centre(self) -> int:
        # The sessions of a centre overlap in time, so nobody can take two places: every place
        # goes to a different graduate and every booked graduate gets one booking message.
        return self.sessions_per_centre * self.supporters_per_session

    def session_start(self, today: date) -> datetime:
        return datetime.combine(today + timedelta(days=3), time(10, 0), tzinfo=UTC)


@dataclass(frozen=True)
class Graduate:
    person_id: str
    centre_id: str
    messages: tuple[tuple[bytes, bytes], ...]  # (key, value), in the order they are sent


@dataclass(frozen=True)
class Population:
    centres: tuple[str, ...]
    graduates: tuple[Graduate, ...]
    places: int  # how many graduates can be booked at most


def graduate(person_id: str, centre_id: str, today: date) -> Graduate:
    """The clinic's CloudEvents for one graduate, keyed by person id."""
    correlation = new_event_id()
    messages = []
    for fact in facts_for(person_id, centre_id, "qualifies", today):
        envelope = make_envelope(
            event_id=new_event_id(),
            source=SOURCE,
            event_type=fact.event_type(),
            subject=person_id,
            time=datetime.now(UTC),
            data=fact.model_dump(mode="json"),
            correlation_id=correlation,
        )
        messages.append((person_id.encode(), envelope.model_dump_json().encode()))
    return Graduate(person_id, centre_id, tuple(messages))
