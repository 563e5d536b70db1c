"""The end-to-end network's own topics, and the network on them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from peerlink_devtools.processes import Network
from peerlink_shared.messaging.topics import Topics

from tests.e2e.network import started_network, suite_topics
from tests.servers import Servers


@pytest.fixture(scope="session")
async def topics(servers: Servers, run_id: str) -> AsyncIterator[Topics]:
    """Topics apart from the integration tests' (this overrides tests/conftest.py's): a
    graduate there who chose to share with the network is rightly offered to any centre open
    to it, and would staff a session of this suite's."""
    async with suite_topics(servers, run_id, "e2e") as names:
        yield names


@pytest.fixture(scope="module")
def network(
    servers: Servers,
    topics: Topics,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Network]:
    """The four services on `topics` (a module may have its own), one network a module, its
    logs in a folder named after the module (a module may stop one of them itself)."""
    module = request.module.__name__.rpartition(".")[2]
    with started_network(
        servers, topics, log_dir=tmp_path_factory.mktemp(f"{module}-logs")
    ) as running:
        yield running
