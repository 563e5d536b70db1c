"""What a fault run feeds the system, and what must come out of it: drawn from a seed, with
the expected decisions and dead letters worked out from the inputs alone.

Persons fall in five kinds whose outcome under the default policy is plain from their
facts: a graduate who qualifies, and four who do not (a relapse after their sobriety date,
a high craving check-in, a withdrawal after volunteering, a programme left early).

Each centre's facts come from its own clinic system, on that clinic's topic; one more clinic,
allowed to act for no centre, speaks about a person all the same and must be refused.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from peerlink_shared.contracts import (
    AdmissionRecorded,
    CravingCheckInRecorded,
    PersonFact,
    ProgrammeEnded,
    RelapseRecorded,
    SobrietyMilestoneRecorded,
    VolunteeringChanged,
)

Kind = Literal["qualifies", "relapsed", "craving", "withdrew", "left_early"]
KINDS: tuple[Kind, ...] = ("qualifies", "relapsed", "craving", "withdrew", "left_early")
# Half qualify, so sessions fill and relapses re-staff them.
KIND_WEIGHTS = (5, 2, 1, 1, 1)


@dataclass(frozen=True)
class Person:
    centre_id: str
    kind: Kind
    facts: tuple[PersonFact, ...]

    @property
    def eligible(self) -> bool:
        """The oracle: under the default policy only the first kind qualifies."""
        return self.kind == "qualifies"


@dataclass(frozen=True)
class BadInput:
    """An event that must be refused, and the reason code it must be refused with."""

    marker: str  # unique, carried in the Kafka key so the dead letter can be found
    body: bytes
    reason: str
    outsider: bool = False  # sent by the clinic allowed to act for no centre


@dataclass
class Workload:
    today: date
    centres: list[str]
    persons: dict[str, Person] = field(default_factory=dict)  # filled once intake names them
    kinds: list[tuple[str, Kind]] = field(default_factory=list)  # (centre, kind) to create
    sessions: list[tuple[str, int, int]] = field(default_factory=list)  # centre, day, needed
    bad: list[BadInput] = field(default_factory=list)
    clinics: dict[str, str] = field(default_factory=dict)  # centre -> the clinic reporting
    outsider: str = ""  # a clinic registered with intake, allowed to act for no centre

    def expected_supporters(self, centre_id: str) -> set[str]:
        return {
            p
            for p, person in self.persons.items()
            if person.centre_id == centre_id and person.eligible
        }


def plan(
    *, seed: int, persons: int, centres: int, sessions_per_centre: int, today: date
) -> Workload:
    rng = random.Random(seed)
    names = [f"fault-{seed}-c{n}" for n in range(centres)]
    work = Workload(
        today=today,
        centres=names,
        clinics={name: f"fault-{seed}-ehr{n}" for n, name in enumerate(names)},
        outsider=f"fault-{seed}-outsider",
    )
    for n in range(persons):
        kind = rng.choices(KINDS, weights=KIND_WEIGHTS)[0]
        work.kinds.append((names[n % centres], kind))
    for centre in names:
        for day in range(sessions_per_centre):
            work.sessions.append((centre, 3 + day, rng.randint(1, 2)))
    return work


def facts_for(person_id: str, centre_id: str, kind: Kind, today: date) -> tuple[PersonFact, ...]:
    """The facts a clinic sends about one person of that kind."""
    admitted = today - timedelta(days=900)
    sober_since = today - timedelta(days=500)
    facts: list[PersonFact] = [
        AdmissionRecorded(person_id=person_id, centre_id=centre_id, admitted_on=admitted),
        ProgrammeEnded(
            person_id=person_id,
            centre_id=centre_id,
            ended_on=admitted + timedelta(days=90),
            outcome="left_early" if kind == "left_early" else "completed",
        ),
        SobrietyMilestoneRecorded(
            person_id=person_id, sober_since=sober_since, days=500, recorded_on=today
        ),
        VolunteeringChanged(
            person_id=person_id, volunteering=True, changed_on=today - timedelta(days=20)
        ),
        CravingCheckInRecorded(
            person_id=person_id, level=8 if kind == "craving" else 1, checked_on=today
        ),
    ]
    if kind == "relapsed":
        facts.append(RelapseRecorded(person_id=person_id, relapsed_on=today - timedelta(days=10)))
    if kind == "withdrew":
        facts.append(
            VolunteeringChanged(
                person_id=person_id, volunteering=False, changed_on=today - timedelta(days=2)
            )
        )
    return tuple(facts)


DEEP = "__nested_10000_deep__"


def bad_inputs(seed: int, *, person_id: str, count: int, canary: str) -> list[BadInput]:
    """Hostile events for the clinic door, each with the reason it must be refused for; the
    canary sits in the fields a careless reason or log would echo."""
    rng = random.Random(seed + 1)

    def envelope(marker: str, data: object, event_type: str, subject: str = person_id) -> bytes:
        return json.dumps(
            {
                "specversion": "1.0",
                "id": marker,
                "source": "/fault/clinic",
                "type": event_type,
                "subject": subject,
                "time": "2026-01-01T00:00:00Z",
                "datacontenttype": "application/json",
                "correlationid": marker,
                "data": data,
            }
        ).encode()

    check_in = "peerlink.person.craving-check-in-recorded.v1"

    def data(**changes: object) -> dict[str, object]:
        return {"person_id": person_id, "level": 1, "checked_on": "2026-01-01", **changes}

    def junk(marker: str) -> bytes:
        return bytes(rng.randrange(256) for _ in range(64)) + b"\xff" + canary.encode()

    makers: list[tuple[Callable[[str], bytes], str]] = [
        (lambda m: f'{{"specversion": "1.0", "id": "{m}", "{canary}'.encode(), "malformed_json"),
        (junk, "not_utf8"),
        (lambda m: envelope(m, data(level=canary), check_in), "invalid_payload"),
        (lambda m: envelope(m, data(note=canary), "peerlink.teleported.v1"), "unknown_event_type"),
        (lambda m: envelope(m, data(), check_in.replace(".v1", ".v9")), "unknown_event_type"),
        (lambda m: envelope(m, data(person_id={"$gt": ""}), check_in), "forbidden_key"),
        (lambda m: envelope(m, data(**{"$where": canary}), check_in), "forbidden_key"),
        (lambda m: envelope(m, data(**{"a.b": 1}), check_in), "forbidden_key"),
        (lambda m: envelope(m, data(person_id="p-\u0000x"), check_in), "invalid_payload"),
        # Past 256 KiB whatever the canary's length.
        (lambda m: envelope(m, data(note=canary + "x" * 300_000), check_in), "oversized"),
        (
            lambda m: envelope(m, data(person_id="p-nobody"), check_in, subject="p-nobody"),
            "unknown_person",
        ),
        # Once raised RecursionError past the dead-letter path, redelivered for ever.
        (
            lambda m: envelope(m, data(note=canary, deep=DEEP), check_in).replace(
                f'"{DEEP}"'.encode(), b"[" * 10_000 + b"]" * 10_000
            ),
            "too_deep",
        ),
        # A relapse to a reader keeping the first key, a check-in to one keeping the last.
        (
            lambda m: envelope(m, data(note=canary), check_in).replace(
                b'"type": ', b'"type": "peerlink.person.relapse-recorded.v1", "type": ', 1
            ),
            "duplicate_key",
        ),
    ]
    # A valid event, but from the clinic allowed to act for no centre.
    from_outsider = len(makers)
    makers.append((lambda m: envelope(m, data(), check_in), "sender_not_allowed"))
    found = []
    for n in range(count):
        marker = f"bad-{seed}-{n}"
        make, reason = makers[n % len(makers)]
        outsider = n % len(makers) == from_outsider
        found.append(BadInput(marker, make(marker), reason, outsider=outsider))
    return found
