"""Fixtures shared by the integration and end-to-end suites."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from peerlink_shared.mongo import make_mongo_client
from peerlink_shared.topics import Topics
from peerlink_shared.topics_admin import ensure_topics

from tests.servers import NoServers, Servers, real_servers


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    try:
        with real_servers() as found:
            yield found
    except NoServers as missing:
        pytest.fail(str(missing), pytrace=False)


@pytest.fixture(scope="session")
def run_id() -> str:
    """Isolates this run's topics, groups and databases from any earlier run."""
    return f"t{secrets.token_hex(3)}"


@pytest.fixture(scope="session")
async def topics(servers: Servers, run_id: str) -> AsyncIterator[Topics]:
    names = Topics(prefix=f"{run_id}-")
    await ensure_topics(bootstrap=servers.kafka_bootstrap, topics=names)
    yield names
    await forget_run(servers, run_id)


async def forget_run(servers: Servers, run_id: str) -> None:
    """Drops this run's databases and topics, so local servers do not fill up run after run."""
    client = make_mongo_client(servers.mongo_url)
    try:
        for name in await client.list_database_names():
            if name.startswith(run_id):
                await client.drop_database(name)
    finally:
        await client.close()
    admin = AIOKafkaAdminClient(bootstrap_servers=servers.kafka_bootstrap)
    await admin.start()
    try:
        mine = [name for name in await admin.list_topics() if name.startswith(run_id)]
        if mine:
            await admin.delete_topics(mine)
    finally:
        await admin.close()
