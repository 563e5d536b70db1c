"""Fixtures shared by the integration and end-to-end suites."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from peerlink_shared.messaging.topics import Topics

from tests.servers import RUN_ID, NoServers, Servers, provisioned, real_servers


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
    return RUN_ID


@pytest.fixture(scope="session")
async def topics(servers: Servers, run_id: str) -> AsyncIterator[Topics]:
    async with provisioned(servers, topic_prefix=f"{run_id}-", database_prefix=run_id) as names:
        yield names
