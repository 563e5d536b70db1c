"""Scheduling: who may serve at a centre, sessions, assignments and time holds, read on
every fill, eligibility change and request."""

from __future__ import annotations

from datetime import timedelta

from peerlink_scheduling.adapters.sessions import SessionRepository
from peerlink_scheduling.adapters.supporters import SupporterRepository
from peerlink_shared.storage.mongo import Database, Document

from tests.hot_lookups.model import BASE, BY_ID, Lookup, Seed, Store, Twin, person

# A centre's pool, as a fill reads it: one point lookup per candidate, each explained
# (a `$in` would be a scan on FerretDB v1: adapters/pool_reads.py).
CANDIDATES = 20


def centre(i: int) -> str:
    """50 eligibility records and 50 sessions per centre."""
    return f"c{i // 50:05d}"


def session(i: int) -> str:
    return f"s{i:07d}"


def booked_session(i: int) -> str:
    """Two assignments (slots) per session..."""
    return session(i // 2)


def booked_supporter(i: int) -> str:
    """...five per supporter (never two in one session), eight per resident."""
    return f"p{i // 10:07d}-{i % 2}"


def resident(i: int) -> str:
    return f"r{i // 8:07d}"


def booked_centre(i: int) -> str:
    return f"c{i // 100:05d}"


def eligible(i: int) -> Document:
    may_serve = i % 4 != 0
    return {
        "_id": f"{person(i)}:{centre(i)}",
        "person_id": person(i),
        "centre_id": centre(i),
        "eligible": may_serve,
        "eligible_from": None if may_serve else "2030-06-01",
    }


def session_document(i: int) -> Document:
    return {
        "_id": session(i),
        "centre_id": centre(i),
        "starts_at": BASE + timedelta(hours=1 + i % 50),
        "duration_minutes": 60,
        "supporters_needed": 2,
        "resident_id": None,
        "window_ends_at": None,
        "timezone": "Europe/Dublin",
        "created_at": BASE,
    }


def assignment(i: int) -> Document:
    return {
        "_id": f"{booked_session(i)}-{i % 2}",
        "assignment_id": f"a{i:08d}",
        "session_id": booked_session(i),
        "centre_id": booked_centre(i),
        "slot": i % 2,
        "supporter_id": booked_supporter(i),
        "resident_id": resident(i),
        "starts_at": BASE + timedelta(hours=1 + i % 100),
        "duration_minutes": 60,
        "why": "lives nearby; free then",
        "announced": True,
        "assigned_at": BASE,
    }


def hold(i: int) -> Document:
    """Twelve 5-minute buckets (one hour) per supporter."""
    bucket = (BASE + timedelta(minutes=5 * (i % 12))).strftime("%Y-%m-%dT%H:%MZ")
    return {"_id": f"{person(i // 12)}@{bucket}", "session_id": session(i // 12), "token": "t"}


def availability(i: int) -> Document:
    return {
        "_id": person(i),
        "timezone": "Europe/Dublin",
        "weekly": {
            "0": [{"start": "09:00", "end": "17:00"}],
            "3": [{"start": "18:00", "end": "21:00"}],
        },
        "exceptions": {},
        "max_sessions_per_week": 3,
        "centres": None,
        "regions": ["region-1"],
        "home_centre": centre(i),
    }


def history(i: int) -> Document:
    return {
        "_id": person(i),
        "admissions": [{"centre_id": centre(i), "on": "2023-01-01"}],
        "leavings": [{"centre_id": centre(i), "on": "2023-04-01", "completed": True}],
    }


async def prepare(db: Database) -> None:
    await SessionRepository(db).ensure_indexes()
    await SupporterRepository(db).ensure_indexes()


BY_SUPPORTER = (Twin("supporter_id_1"), Twin("session_id_1_supporter_id_1", key=2))

STORE = Store(
    service="scheduling",
    prepare=prepare,
    seeds=(
        Seed("eligible", eligible),
        Seed("sessions", session_document),
        Seed("assignments", assignment),
        Seed("time_holds", hold),
        Seed("availability", availability),
        Seed("histories", history),
        Seed(
            "exclusions",
            lambda i: {"_id": f"{centre(i)}:r{i:07d}", "supporter_ids": [person(i + 1)]},
        ),
        Seed(
            "centres",
            lambda i: {
                "_id": f"c{i:05d}",
                "region": f"region-{i % 8}",
                "timezone": "Europe/Dublin",
            },
        ),
    ),
    lookups=(
        Lookup(
            "who may serve at a centre (per fill)",
            lambda db, k: SupporterRepository(db).eligibility_at(centre(k)),
            (Twin("centre_id_1_eligible_1"),),
        ),
        Lookup(
            "record an eligibility change (find-and-modify by _id)",
            lambda db, k: SupporterRepository(db).set_eligible(
                person_id=person(k), centre_id=centre(k), eligible=True, eligible_from=None
            ),
            (BY_ID,),
        ),
        Lookup(
            "session cancelled? (per fill)",
            lambda db, k: SessionRepository(db).is_cancelled(session(k)),
            (BY_ID,),
        ),
        Lookup(
            "upcoming sessions at a centre (per eligibility change, request)",
            lambda db, k: SessionRepository(db).upcoming_sessions(centre(k), after=BASE),
            (Twin("centre_id_1_starts_at_1"),),
        ),
        Lookup(
            "assignments of a session (per fill)",
            lambda db, k: SessionRepository(db).assignments_of(booked_session(k)),
            (Twin("session_id_1_supporter_id_1"),),
        ),
        Lookup(
            "announce an assignment (update by _id)",
            lambda db, k: SessionRepository(db).mark_announced(f"{booked_session(k)}-{k % 2}"),
            (BY_ID,),
        ),
        Lookup(
            "a resident's past supporters (per meeting)",
            lambda db, k: SessionRepository(db).met_before(resident(k)),
            (Twin("resident_id_1"),),
        ),
        Lookup(
            "a supporter's future assignments at a centre (per revocation)",
            lambda db, k: SessionRepository(db).future_assignments(
                supporter_id=booked_supporter(k), centre_id=booked_centre(k), after=BASE
            ),
            BY_SUPPORTER,
        ),
        Lookup(
            "a supporter's bookings (per request, per claim)",
            lambda db, k: SessionRepository(db).bookings_for_supporter(booked_supporter(k)),
            BY_SUPPORTER,
        ),
        Lookup(
            "bookings of the candidates (one lookup each, per fill round)",
            lambda db, k: SessionRepository(db).bookings_of(
                [booked_supporter(k + 10 * n) for n in range(CANDIDATES)]
            ),
            BY_SUPPORTER,
        ),
        Lookup(
            "drop a time hold (delete by _id and token)",
            lambda db, k: SessionRepository(db).drop_hold(
                [hold(k)["_id"]], token="another attempt"
            ),
            (BY_ID,),
        ),
        Lookup(
            "availability of the candidates (one lookup each, per fill round)",
            lambda db, k: SupporterRepository(db).availability_of(
                [person(k + n) for n in range(CANDIDATES)]
            ),
            (BY_ID,),
        ),
        Lookup(
            "stays of the candidates (one lookup each, per fill round)",
            lambda db, k: SupporterRepository(db).histories_of(
                [person(k + n) for n in range(CANDIDATES)]
            ),
            (BY_ID,),
        ),
        Lookup(
            "a resident's stays (per meeting)",
            lambda db, k: SupporterRepository(db).history_of(person(k)),
            (BY_ID,),
        ),
        Lookup(
            "a resident's exclusions (per meeting)",
            lambda db, k: SupporterRepository(db).exclusions(centre(k), f"r{k:07d}"),
            (BY_ID,),
        ),
        Lookup(
            "a centre's timezone (per request, per revocation)",
            lambda db, k: SupporterRepository(db).timezone_of(f"c{k:05d}"),
            (BY_ID,),
        ),
        Lookup(
            "the network's regions (per fill)",
            lambda db, k: SupporterRepository(db).network(),
            (),
            scan="reads every centre, by design: a network has tens of centres",
        ),
    ),
)
