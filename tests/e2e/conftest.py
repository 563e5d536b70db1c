"""The end-to-end network's own topics."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from peerlink_shared.messaging.topics import Topics

from tests.servers import Servers, provisioned


@pytest.fixture(scope="session")
async def topics(servers: Servers, run_id: str) -> AsyncIterator[Topics]:
    """Topics apart from the integration tests' (this overrides tests/conftest.py's). The
    services started here read every topic from the beginning, so on shared topics they would
    take in everything those tests left: a graduate there who chose to share with the network
    is rightly offered to any centre open to it, and would staff a session of this suite's."""
    async with provisioned(
        servers, topic_prefix=f"{run_id}-e2e-", database_prefix=f"{run_id}_e2e_"
    ) as names:
        yield names
