"""The inbox and outbox (peerlink_shared): the same code and indexes in every service's
database, so they are listed once."""

from __future__ import annotations

from datetime import timedelta

from peerlink_shared.clock import SystemClock
from peerlink_shared.inbox import Inbox, inbox_key
from peerlink_shared.mongo import Database
from peerlink_shared.outbox import Entry, Outbox

from tests.hot_lookups.model import BASE, BY_ID, Lookup, Seed, Store

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


async def prepare(db: Database) -> None:
    # What every service's runtime runs at startup (the inbox declares no index).
    await Outbox(db, clock=CLOCK).ensure_indexes()


STORE = Store(
    service="shared",
    prepare=prepare,
    seeds=(
        Seed("inbox", lambda i: {"_id": handled(i), "handled_at": BASE}),
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
    ),
)
