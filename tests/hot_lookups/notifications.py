"""Notifications: contacts, centres and staffing by `_id` per event, deliveries per attempt,
messages and deliveries per request, and the delivery loop's due list."""

from __future__ import annotations

from datetime import timedelta

from peerlink_notifications.adapters.contacts import ContactStore
from peerlink_notifications.adapters.deliveries import DeliveryStore
from peerlink_notifications.adapters.repository import NotificationsRepository
from peerlink_shared.keys import KeyRing, PersonKeys, new_kek_setting
from peerlink_shared.storage.mongo import Database, Document

from tests.hot_lookups.model import BASE, BY_ID, Lookup, Seed, Store, Twin, person

RING = KeyRing.parse(new_kek_setting())


def vault(db: Database) -> PersonKeys:
    """Seeded contacts predate sealing (no key id): found by `_id` alone, no vault read."""
    return PersonKeys(db, ring=RING, now=lambda: BASE)


DUE = 20  # deliveries due now, at every size
SINCE = BASE - timedelta(days=30)


def recipient(i: int) -> str:
    """Five messages and deliveries per person..."""
    return person(i // 5)


def told_centre(i: int) -> str:
    """...fifty per centre."""
    return f"c{i // 50:05d}"


def delivery(i: int) -> str:
    return f"d{i:08d}"


def contact(i: int) -> Document:
    return {
        "_id": person(i),
        "email": f"{person(i)}@example.org",
        "webhook_url": None,
        "sms": None,
        "consent": ["email"],
        "quiet_hours": {"start": "22:00", "end": "07:00", "timezone": "Europe/Dublin"},
        "locale": "en",
    }


def message(i: int) -> Document:
    return {
        "_id": f"m{i:08d}",
        "recipient_id": recipient(i),
        "centre_id": told_centre(i),
        "channel": "in_app",
        "text": "You are booked to speak at North House on Tuesday at 18:00.",
        "cause_event_id": f"evt-{i:08d}",
        "status": "recorded",
        "created_at": BASE - timedelta(minutes=i % 50),
    }


def delivery_document(i: int) -> Document:
    return {
        "_id": delivery(i),
        "message_id": f"m{i:08d}",
        "recipient_id": recipient(i),
        "recipient_kind": "person",
        "centre_id": told_centre(i),
        "channel": "email",
        "subject": "Your next session",
        "text": "You are booked to speak at North House on Tuesday at 18:00.",
        "locale": "en",
        "cause_event_id": f"evt-{i:08d}",
        "correlation_id": f"corr-{i:08d}",
        "status": "sent",
        "attempts": 1,
        "next_attempt_at": BASE,
        "last_error": None,
        "reason": None,
        "created_at": BASE - timedelta(minutes=i % 50),
        "sent_at": BASE,
    }


def pending(i: int) -> Document:
    due_at = BASE - timedelta(hours=1) if i < DUE else BASE + timedelta(days=1, seconds=i)
    return {"_id": delivery(i), "due_at": due_at}


async def prepare(db: Database) -> None:
    await NotificationsRepository(db).ensure_indexes()
    await DeliveryStore(db).ensure_indexes()


BY_RECIPIENT = Twin("recipient_id_1_created_at_1")
BY_CENTRE = Twin("centre_id_1_created_at_1")

STORE = Store(
    service="notifications",
    prepare=prepare,
    seeds=(
        Seed("contacts", contact),
        Seed(
            "centres",
            lambda i: {
                "_id": f"c{i:05d}",
                "centre_id": f"c{i:05d}",
                "display_name": f"Centre {i}",
                "region": f"region-{i % 8}",
                "timezone": "Europe/Dublin",
            },
        ),
        Seed("staffing", lambda i: {"_id": f"s{i:07d}", "state": "filled:p1,p2"}),
        Seed("messages", message),
        Seed("deliveries", delivery_document),
        Seed("delivery_pending", pending),
        Seed(
            "delivery_claims",
            lambda i: {"_id": f"{delivery(i)}#1", "by": "replica-1", "claimed_at": BASE},
        ),
    ),
    lookups=(
        Lookup(
            "a recipient's contact (per message, per attempt)",
            lambda db, k: ContactStore(db, keys=vault(db)).find("person", person(k)),
            (BY_ID,),
        ),
        Lookup(
            "centre (per event)",
            lambda db, k: NotificationsRepository(db).centre(f"c{k:05d}"),
            (BY_ID,),
        ),
        Lookup(
            "staffing last told (per staffing event)",
            lambda db, k: NotificationsRepository(db).staffing_seen(f"s{k:07d}"),
            (BY_ID,),
        ),
        Lookup(
            "a person's messages (per request)",
            lambda db, k: NotificationsRepository(db).messages_for(recipient(k)),
            (BY_RECIPIENT,),
        ),
        Lookup(
            "a centre's messages (per request)",
            lambda db, k: NotificationsRepository(db).messages_at(told_centre(k), since=SINCE),
            (BY_CENTRE,),
        ),
        Lookup(
            "delivery (per attempt)",
            lambda db, k: DeliveryStore(db).get(delivery(k)),
            (BY_ID,),
        ),
        Lookup(
            "reschedule a delivery (two updates by _id)",
            lambda db, k: DeliveryStore(db).schedule(
                delivery(k), status="pending", at=BASE + timedelta(days=2), now=BASE
            ),
            (BY_ID,),
        ),
        Lookup(
            "claim time of an attempt (per claim lost)",
            lambda db, k: DeliveryStore(db).claimed_at(delivery(k), 1),
            (BY_ID,),
        ),
        Lookup(
            "a person's deliveries (per request)",
            lambda db, k: DeliveryStore(db).for_recipient("person", recipient(k), since=SINCE),
            (BY_RECIPIENT,),
        ),
        Lookup(
            "a centre's deliveries (per request)",
            lambda db, k: DeliveryStore(db).at_centre(told_centre(k), since=SINCE),
            (BY_CENTRE,),
        ),
        Lookup(
            "deliveries due (delivery loop, every poll)",
            lambda db, k: DeliveryStore(db).due(now=BASE, limit=50),
            (),
            scan="$lte (and the sort) are not pushed down by FerretDB v1: every pending entry "
            "is read each poll; small by design (only open deliveries are listed)",
        ),
    ),
)
