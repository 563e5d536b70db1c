"""Expired documents go, fresh ones stay: every store with a retention period, on the real
server. FerretDB v1 has no TTL indexes, so there the sweeper deletes; on a MongoDB the
server's own TTL index does, and the test checks the index instead."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
from peerlink_notifications.adapters.deliveries import DeliveryStore
from peerlink_notifications.settings import NotificationsSettings
from peerlink_shared.auditing.audit import http_entry
from peerlink_shared.auditing.audit_log import AuditLog
from peerlink_shared.contracts import RelapseRecorded
from peerlink_shared.messaging.inbox import Inbox
from peerlink_shared.messaging.outbox import Entry, Outbox
from peerlink_shared.security.auth import Principal, Role
from peerlink_shared.storage import retention
from peerlink_shared.storage.mongo import Database
from peerlink_shared.storage.retention import Expiry, RetentionSweeper, delete_expired
from prometheus_client import REGISTRY

from tests.fakes.clock import MovableClock
from tests.hot_lookups.notifications import delivery_document, message
from tests.integration.helpers import envelope_for, scratch_database
from tests.servers import Servers

NOW = datetime.now(UTC).replace(microsecond=0)
SETTINGS = NotificationsSettings.model_validate({"token_secret": "x" * 40})
EXPIRIES = SETTINGS.expiries() + SETTINGS.notification_expiries()
KEEP = {expiry.collection: expiry.keep for expiry in EXPIRIES}
LATE = timedelta(minutes=1)  # past the period by this much: expired; short of it: kept


@pytest.fixture
async def db(
    servers: Servers, run_id: str, request: pytest.FixtureRequest
) -> AsyncIterator[Database]:
    async with scratch_database(servers, f"{run_id}_retention_{request.node.name[:20]}") as db:
        yield db


def aged(collection: str, *, expired: bool) -> datetime:
    return NOW - KEEP[collection] - (LATE if expired else -LATE)


async def write_one_of_each(db: Database, *, expired: bool) -> dict[str, str]:
    """Through each store's own adapter; returns each collection's document id."""
    tag = "old" if expired else "new"
    await Inbox(db).remember_all([f"inbox-{tag}"], at=aged("inbox", expired=expired))

    event = envelope_for(
        RelapseRecorded(person_id=f"p-{tag}", relapsed_on=date(2026, 1, 1)), subject=f"p-{tag}"
    )
    outbox = Outbox(db, clock=MovableClock(aged("outbox_parked", expired=expired)))
    await outbox.add(envelope=event, topic="person-events")
    await outbox.park(
        Entry(event_id=event.id, topic="person-events", body=event.model_dump_json()),
        reason="MessageSizeTooLargeError",
    )

    entry = http_entry(
        service="eligibility",
        at=aged("audit", expired=expired),
        method="GET",
        route="/centres/{centre_id}/persons/{person_id}/decision",
        path_params={"centre_id": "harbour", "person_id": f"p-{tag}"},
        named=[],
        principal=Principal(subject="coordinator-1", centre="harbour", role=Role.COORDINATOR),
        status=200,
        access_reason=None,
        request_id=f"req-{tag}",
    )
    await AuditLog(db).record(entry)

    number = 1 if expired else 2
    told = {**message(number), "created_at": aged("messages", expired=expired)}
    await db["messages"].insert_one(told)
    delivery = {**delivery_document(number), "created_at": aged("deliveries", expired=expired)}
    await db["deliveries"].insert_one(delivery)
    at = aged("delivery_claims", expired=expired)
    assert await DeliveryStore(db).claim(delivery["_id"], 1, by="replica-a", now=at)
    return {
        "inbox": f"inbox-{tag}",
        "outbox_parked": event.id,
        "audit": entry.entry_id,
        "messages": told["_id"],
        "deliveries": delivery["_id"],
        "delivery_claims": f"{delivery['_id']}#1",
    }


async def ids_in(db: Database, collection: str) -> set[str]:
    return {str(doc["_id"]) async for doc in db[collection].find({}, {"_id": 1})}


async def test_expired_documents_of_every_store_are_deleted_and_fresh_ones_kept(
    db: Database,
) -> None:
    sweeper = RetentionSweeper(db=db, clock=MovableClock(NOW), expiries=EXPIRIES)
    await sweeper.ensure_indexes()
    old = await write_one_of_each(db, expired=True)
    new = await write_one_of_each(db, expired=False)
    swept = {expiry.collection for expiry in sweeper.swept}
    for collection in set(KEEP) - swept:
        # A MongoDB: its TTL index expires them, with the configured period.
        indexes = await db[collection].index_information()
        ttl = [index.get("expireAfterSeconds") for index in indexes.values()]
        assert int(KEEP[collection].total_seconds()) in ttl

    before = {c: REGISTRY.get_sample_value(*metric(c)) or 0.0 for c in swept}
    deleted = await sweeper.sweep()

    assert deleted == dict.fromkeys(swept, 1)
    for collection in swept:
        assert await ids_in(db, collection) == {new[collection]}, collection
        assert old[collection] != new[collection]
        assert REGISTRY.get_sample_value(*metric(collection)) == before[collection] + 1
    assert await sweeper.sweep() == dict.fromkeys(swept, 0)


def metric(collection: str) -> tuple[str, dict[str, str]]:
    return "peerlink_retention_deleted_total", {"collection": collection}


async def test_the_local_server_has_no_ttl_so_the_sweeper_covers_every_store(
    db: Database, servers: Servers
) -> None:
    sweeper = RetentionSweeper(db=db, clock=MovableClock(NOW), expiries=EXPIRIES)
    await sweeper.ensure_indexes()
    info = await db.client.server_info()
    if "ferretdbVersion" in info:  # FerretDB v1: no TTL indexes
        assert {expiry.collection for expiry in sweeper.swept} == set(KEEP)
    else:
        assert sweeper.swept == []
    # Either way each expiry's field is indexed, and declaring again changes nothing.
    await sweeper.ensure_indexes()
    for expiry in EXPIRIES:
        keys = [
            index["key"] for index in (await db[expiry.collection].index_information()).values()
        ]
        assert [(expiry.field, 1)] in keys


async def test_a_sweep_deletes_in_bounded_batches_and_the_next_run_goes_on(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retention, "MAX_BATCHES_PER_SWEEP", 2)
    expiry = Expiry("inbox", "handled_at", timedelta(days=60))
    inbox = Inbox(db)
    await inbox.remember_all([f"old-{i}" for i in range(25)], at=NOW - timedelta(days=61))
    await inbox.remember_all(["kept"], at=NOW - timedelta(days=59))

    assert await delete_expired(db, expiry, now=NOW, batch=10) == 20
    assert len(await ids_in(db, "inbox")) == 6
    assert await delete_expired(db, expiry, now=NOW, batch=10) == 5
    assert await ids_in(db, "inbox") == {"kept"}
    assert await inbox.seen("kept")
    assert not await inbox.seen("old-0")


async def test_the_running_sweeper_deletes_without_being_asked(db: Database) -> None:
    expiry = Expiry("inbox", "handled_at", timedelta(days=60))
    await Inbox(db).remember_all(["old"], at=NOW - timedelta(days=61))
    sweeper = RetentionSweeper(
        db=db, clock=MovableClock(NOW), expiries=[expiry], every_seconds=0.05
    )
    await sweeper.ensure_indexes()
    sweeper.start()
    try:
        for _ in range(100):
            if not await ids_in(db, "inbox"):
                break
            await asyncio.sleep(0.05)
        assert await ids_in(db, "inbox") == set()
    finally:
        await sweeper.stop()
