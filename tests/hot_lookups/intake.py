"""Intake: centres, persons and facts, each read by `_id` per request or inbound fact."""

from __future__ import annotations

from peerlink_intake.adapters.clinics import ClinicRepository
from peerlink_intake.adapters.repository import IntakeRepository
from peerlink_shared.storage.mongo import Database, Document

from tests.hot_lookups.model import BASE, BY_ID, Lookup, Seed, Store, Twin, person


def centre(i: int) -> str:
    return f"c{i:07d}"


LINK_FACTS_BY_PERSON = Twin("person_id_1")


def fact(i: int) -> str:
    return f"evt-{i:08d}"


def referred_to(i: int) -> str:
    """Ten persons referred to each of these centres, at every size."""
    return f"r{i // 10:07d}"


def person_document(i: int) -> Document:
    """A person as registered: their home link only (later links are in link_facts)."""
    home = centre(i % 40)
    return {
        "_id": person(i),
        "registered_by": home,
        "centres": [home],
        "links": {
            home: {
                "basis": "home",
                "linked_on": "2030-01-07",
                "referred_by": None,
                "recorded_by": "coordinator-1",
                "recorded_at": BASE,
            }
        },
        "registered_at": BASE,
    }


def referral_document(i: int) -> Document:
    """Each person referred by their home centre, as `link_facts` keeps a referral."""
    home, to = centre(i % 40), referred_to(i)
    return {
        "_id": f"{person(i)}:referral:{home}:{to}:2030-01-07",
        "person_id": person(i),
        "kind": "referral",
        "centre_id": to,
        "referred_by": home,
        "referred_on": "2030-01-07",
        "made_by": "coordinator-1",
        "recorded_at": BASE,
    }


def clinic(i: int) -> str:
    return f"k{i:07d}"


def grants(i: int, *, version: int) -> Document:
    """Version `version` of clinic i's grants (its current one, for the current collection)."""
    return {
        "clinic": clinic(i),
        "version": version,
        "centres": [centre(i % 40)],
        "change": "granted",
        "centre": centre(i % 40),
        "changed_by": {"subject": "coordinator-1", "role": "coordinator", "centre": centre(i % 40)},
        "changed_at": BASE,
    }


async def prepare(db: Database) -> None:
    await IntakeRepository(db).ensure_indexes()
    await ClinicRepository(db).ensure_indexes()


STORE = Store(
    service="intake",
    prepare=prepare,
    seeds=(
        Seed(
            "centres",
            lambda i: {
                "_id": centre(i),
                "centre_id": centre(i),
                "display_name": f"Centre {i}",
                "region": f"region-{i % 8}",
                "timezone": "Europe/Dublin",
            },
        ),
        Seed("persons", person_document),
        Seed("link_facts", referral_document),
        Seed(
            "facts",
            lambda i: {
                "_id": fact(i),
                "person_id": person(i // 4),
                "type": "peerlink.person.check-in-recorded.v1",
                "data": {"person_id": person(i // 4), "checked_on": "2029-12-01", "level": 2},
                "recorded_at": BASE,
            },
        ),
        Seed("clinic_grants", lambda i: {"_id": clinic(i), **grants(i, version=3)}),
        # Three versions of each of a third as many clinics.
        Seed(
            "clinic_grant_versions",
            lambda i: {
                "_id": f"{clinic(i // 3)}:v{i % 3 + 1}",
                **grants(i // 3, version=i % 3 + 1),
            },
        ),
    ),
    lookups=(
        Lookup(
            "centre (per request, per inbound fact)",
            lambda db, k: IntakeRepository(db).centre(centre(k)),
            (BY_ID,),
        ),
        Lookup(
            "person's centres (per request, per inbound fact)",
            lambda db, k: IntakeRepository(db).centres_of(person(k)),
            (BY_ID, LINK_FACTS_BY_PERSON),
        ),
        Lookup(
            "centre exists? (per inbound fact, until cached)",
            lambda db, k: IntakeRepository(db).centre_exists(centre(k)),
            (BY_ID,),
        ),
        Lookup(
            "person exists? (per inbound fact, until cached)",
            lambda db, k: IntakeRepository(db).person_exists(person(k)),
            (BY_ID,),
        ),
        Lookup(
            "person's links (per fact recorded)",
            lambda db, k: IntakeRepository(db).links_of(person(k)),
            (BY_ID, LINK_FACTS_BY_PERSON),
        ),
        # (Linking a person to a centre is an insert into link_facts: no lookup.)
        Lookup(
            "pending referrals to a centre (per request), then each referred person's links",
            lambda db, k: IntakeRepository(db).referrals_to(referred_to(k), limit=100),
            (
                Twin("referred_to_1"),
                Twin("centre_id_1_kind_1"),
                BY_ID,
                LINK_FACTS_BY_PERSON,
            ),
        ),
        Lookup(
            "a clinic's current grants (per inbound fact)",
            lambda db, k: ClinicRepository(db).current(clinic(k)),
            (BY_ID,),
        ),
        Lookup(
            "a clinic's grant versions (per request)",
            lambda db, k: ClinicRepository(db).history(clinic(k // 3)),
            (Twin("clinic_1_version_1"),),
        ),
        Lookup(
            "fact by event id (per fact recorded)",
            lambda db, k: IntakeRepository(db).recorded_fact(fact(k)),
            (BY_ID,),
        ),
    ),
)
