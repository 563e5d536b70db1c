"""The inbox, outbox and audit trail (peerlink_shared): the same code and indexes in every
service's database, so they are listed once."""

from __future__ import annotations

from datetime import timedelta

from peerlink_shared.auditing.audit import http_entry
from peerlink_shared.auditing.audit_log import AuditLog, AuditQuery, as_document
from peerlink_shared.clock import SystemClock
from peerlink_shared.messaging.inbox import Inbox, inbox_key
from peerlink_shared.messaging.outbox import Entry, Outbox
from peerlink_shared.security.auth import Principal, Role
from peerlink_shared.storage.mongo import Database, Document

from tests.hot_lookups.model import BASE, BY_ID, Lookup, Seed, Store, Twin

CLOCK = SystemClock()
SWEEP_AGE = timedelta(seconds=10)
# About the size of a published envelope.
BODY = '{"specversion":"1.0","type":"peerlink.person.relapse-recorded.v1",' + '"x":0,' * 50 + "}"


def event(i: int) -> str:
    return f"evt-{i:08d}"


def handled(i: int) -> str:
    """An inbox key as the consumer makes it (a clinic's event, by sender, source and id)."""
    return inbox_key(sender=f"clinic-{i % 7}", source="/ehr", event_id=event(i))


async def sweep(db: Database) -> list[Entry]:
    return [entry async for entry in Outbox(db, clock=CLOCK).stored(older_than=SWEEP_AGE)]


def audit_entry(i: int) -> Document:
    """A coordinator's read of one person's decision, as the audit trail stores it."""
    entry = http_entry(
        service="eligibility",
        at=BASE + timedelta(seconds=i),
        method="GET",
        route="/centres/{centre_id}/persons/{person_id}/decision",
        path_params={"centre_id": "harbour", "person_id": f"p{i:07d}"},
        named=[],
        principal=Principal(
            subject=f"coordinator-{i:07d}", centre="harbour", role=Role.COORDINATOR
        ),
        status=200,
        access_reason=None,
        request_id=f"req-{i}",
    )
    return as_document(entry)


async def prepare(db: Database) -> None:
    # What every service's runtime runs at startup (the inbox declares no index).
    await Outbox(db, clock=CLOCK).ensure_indexes()
    await AuditLog(db).ensure_indexes()


STORE = Store(
    service="shared",
    prepare=prepare,
    seeds=(
        Seed("inbox", lambda i: {"_id": handled(i), "handled_at": BASE}),
        Seed("audit", audit_entry),
        Seed(
            "outbox",
            lambda i: {
                "_id": event(i),
                "topic": "peerlink.person-events",
                "body": BODY,
                "created_at": BASE,
                "seq": i,
            },
        ),
    ),
    lookups=(
        Lookup(
            "inbox: event handled? (per event)", lambda db, k: Inbox(db).seen(handled(k)), (BY_ID,)
        ),
        Lookup(
            "outbox: published entries deleted (per batch sent)",
            lambda db, k: Outbox(db, clock=CLOCK).done([event(k + n) for n in range(10)]),
            (BY_ID,),
        ),
        Lookup(
            "outbox: sweep of stored entries (every few seconds)",
            lambda db, k: sweep(db),
            (),
            scan="$lt on created_at and the sort on seq are not pushed down by FerretDB v1: "
            "every stored entry is read each sweep; small while the relay keeps up",
        ),
        Lookup(
            "audit: a person's trail, newest first (ops query)",
            lambda db, k: AuditLog(db).page(AuditQuery(person_id=f"p{k:07d}")),
            (Twin("person_ids_1__id_-1"),),
        ),
        Lookup(
            "audit: an actor's trail, newest first (ops query)",
            lambda db, k: AuditLog(db).page(AuditQuery(actor=f"coordinator-{k:07d}")),
            (Twin("actor_subject_1__id_-1"),),
        ),
    ),
)
