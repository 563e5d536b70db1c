"""Every hot-path lookup of every service is answered from an index on the local FerretDB.

Each service's collections are built with its own `ensure_indexes` in a fresh database and
seeded with a few thousand documents, so PostgreSQL prefers an index where one serves. Each
lookup is made through the service's adapter; every filter it sends is explained, and the
plan must scan the GIN twin of the index expected and no table sequentially.

A lookup FerretDB v1 cannot serve from an index ($in, $lte, sorts) is listed with the reason
and marked xfail(strict): it is reported on every run, and a change that serves it (or
breaks the expectation) shows up as an XPASS failure.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from peerlink_shared.storage.mongo import Database, MongoClient
from pymongo import AsyncMongoClient

from tests.hot_lookups import STORES, Lookup, Store, seed
from tests.query_plans import Plan, QueryRecorder, explain, gin_twin
from tests.servers import Servers

SEEDED = 3000
KEY = 1234  # the seeded document whose keys every lookup asks for


@pytest.fixture(scope="module")
def recorder() -> QueryRecorder:
    return QueryRecorder()


@pytest.fixture(scope="module")
async def client(servers: Servers, recorder: QueryRecorder) -> AsyncIterator[MongoClient]:
    found: MongoClient = AsyncMongoClient(
        servers.mongo_url,
        tz_aware=True,
        event_listeners=[recorder],
        serverSelectionTimeoutMS=5000,
        socketTimeoutMS=60000,
    )
    yield found
    await found.close()


@pytest.fixture(scope="module")
async def databases(client: MongoClient, run_id: str) -> AsyncIterator[dict[str, Database]]:
    built = {store.service: client[f"{run_id}_plans_{store.service}"] for store in STORES}
    try:
        for store in STORES:
            await store.prepare(built[store.service])
            await seed(built[store.service], store, start=0, stop=SEEDED)
        yield built
    finally:
        for db in built.values():
            await client.drop_database(db.name)


def cases() -> list[object]:
    return [
        pytest.param(
            store,
            lookup,
            id=f"{store.service}: {lookup.name}",
            marks=() if lookup.served_by else pytest.mark.xfail(strict=True, reason=lookup.scan),
        )
        for store in STORES
        for lookup in store.lookups
    ]


@pytest.mark.parametrize(("store", "lookup"), cases())
async def test_a_hot_lookup_is_an_index_scan(
    store: Store, lookup: Lookup, databases: dict[str, Database], recorder: QueryRecorder
) -> None:
    db = databases[store.service]
    recorder.start()
    try:
        await lookup.run(db, KEY)
    finally:
        queries = recorder.stop()
    assert queries, "the lookup sent no filtered command"
    for query in queries:
        plan = await explain(db, query)
        assert plan.pushed_down, f"FerretDB did not push the filter down: {query}"
        assert not plan.seq_scans(), _describe(plan, lookup)
        expected = {gin_twin(plan.table(), twin.index, twin.key) for twin in lookup.served_by}
        assert expected & set(plan.index_scans()), _describe(plan, lookup)


def _describe(plan: Plan, lookup: Lookup) -> str:
    wanted = ", ".join(f"{twin.index} (key {twin.key})" for twin in lookup.served_by)
    return (
        f"{plan.query.command} {plan.query.collection} {plan.query.filter} "
        f"sort={plan.query.sort}: expected an index scan of the GIN twin of {wanted or '-'}, "
        f"got:\n{plan.outline()}"
    )
