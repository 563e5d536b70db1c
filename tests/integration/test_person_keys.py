"""The key vault on the real database server: one key per person however many ask at
once, destruction for good, rotation, and no key in clear in the stored documents."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from peerlink_ops.keys_cli import VaultCliSettings, rotate
from peerlink_shared.keys import (
    KeyRing,
    PersonKeyDestroyed,
    PersonKeys,
    UnwrapFailed,
    new_kek_setting,
)
from peerlink_shared.storage.mongo import Database, make_mongo_client
from pydantic import SecretStr

from tests.servers import Servers

OLD, NEW = new_kek_setting("old"), new_kek_setting("new")


@pytest.fixture
async def db(servers: Servers, run_id: str) -> AsyncIterator[Database]:
    client = make_mongo_client(servers.mongo_url)
    database = client[f"{run_id}_vault_{datetime.now(UTC).strftime('%H%M%S%f')}"]
    yield database
    await client.drop_database(database.name)
    await client.close()


def vault(db: Database, setting: str = OLD, *, cache_seconds: float = 30.0) -> PersonKeys:
    return PersonKeys(
        db, ring=KeyRing.parse(setting), now=lambda: datetime.now(UTC), cache_seconds=cache_seconds
    )


async def test_racing_creators_get_the_one_key_and_it_is_stored_only_wrapped(
    db: Database,
) -> None:
    replicas = [vault(db) for _ in range(8)]
    keys = await asyncio.gather(*(replica.key_for("p-race") for replica in replicas))
    assert len({key.key_id for key in keys}) == 1
    assert len({key.secret for key in keys}) == 1
    assert await vault(db).existing("p-race") == keys[0]
    (stored,) = await db["data_keys"].find({}).to_list()
    assert stored["_id"] == "p-race" and stored["kek_id"] == "old"
    assert keys[0].secret not in bytes(stored["wrapped"])
    assert keys[0].secret.hex() not in str(stored)


async def test_a_destroyed_key_is_gone_for_good(db: Database) -> None:
    keys = vault(db)
    key = await keys.key_for("p-gone")
    assert await keys.destroy("p-gone") is True
    assert await keys.destroy("p-gone") is False  # already gone
    (stored,) = await db["data_keys"].find({}).to_list()
    assert set(stored) == {"_id", "destroyed_at"}  # a tombstone: no wrapped key
    assert key.key_id not in str(stored)
    for replica in (keys, vault(db)):
        assert await replica.existing("p-gone") is None
        assert await replica.destroyed("p-gone") is True
        with pytest.raises(PersonKeyDestroyed):
            await replica.key_for("p-gone")


async def test_a_person_never_keyed_can_be_destroyed_and_is_never_keyed_after(
    db: Database,
) -> None:
    keys = vault(db)
    assert await keys.existing("p-never") is None
    assert await keys.destroyed("p-never") is False
    assert await keys.destroy("p-never") is False
    with pytest.raises(PersonKeyDestroyed):
        await keys.key_for("p-never")


async def test_destroy_racing_creation_always_ends_destroyed(db: Database) -> None:
    for n in range(5):
        person = f"p-{n}"
        await asyncio.gather(
            vault(db).key_for(person), vault(db).destroy(person), return_exceptions=True
        )
        assert await vault(db).destroyed(person) is True
        assert await vault(db).existing(person) is None


async def test_a_cached_key_opens_until_the_cache_expires_in_another_process(
    db: Database,
) -> None:
    """What the documented grace period means: another running process may still use the
    key it holds for `cache_seconds`; one without a cache sees the destruction at once."""
    holder, uncached = vault(db), vault(db, cache_seconds=0)
    await holder.key_for("p-cached")
    await vault(db).destroy("p-cached")
    assert await holder.existing("p-cached") is not None
    assert await uncached.existing("p-cached") is None


async def test_rewrap_moves_every_key_to_the_active_kek(db: Database) -> None:
    before = vault(db)
    keys = {person: await before.key_for(person) for person in ("p-a", "p-b", "p-c")}
    await before.destroy("p-c")
    rotated = vault(db, f"{NEW},{OLD}")
    assert await rotated.rewrap() == 2
    assert await rotated.rewrap() == 0
    stored = {doc["_id"]: doc for doc in await db["data_keys"].find({}).to_list()}
    assert {stored["p-a"]["kek_id"], stored["p-b"]["kek_id"]} == {"new"}
    assert "wrapped" not in stored["p-c"]
    # The old KEK may now be dropped: the new one alone opens every key, the old alone none.
    only_new = vault(db, NEW)
    for person in ("p-a", "p-b"):
        assert await only_new.existing(person) == keys[person]
        with pytest.raises(UnwrapFailed):
            await vault(db, OLD).existing(person)


async def test_peerlink_keys_rotate_rewraps_the_vault_it_is_pointed_at(
    db: Database, servers: Servers
) -> None:
    key = await vault(db).key_for("p-cli")
    settings = VaultCliSettings(
        mongo_url=servers.mongo_url,
        key_vault_db=db.name,
        key_encryption_keys=SecretStr(f"{NEW},{OLD}"),
    )
    assert await rotate(settings) == 1
    assert await vault(db, NEW).existing("p-cli") == key
