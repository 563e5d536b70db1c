"""The console in a real browser: Debian's headless Chromium (tools/ensure-chromium) driven
by Playwright, against the four services and the console as processes on the real servers."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from peerlink_devtools.console import start_console
from peerlink_devtools.processes import Network
from peerlink_shared.messaging.topics import Topics
from playwright.async_api import Browser, async_playwright

from tests.e2e.network import started_network, suite_topics
from tests.servers import Servers

CHROMIUM = os.environ.get("PEERLINK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="session")
async def topics(servers: Servers, run_id: str) -> AsyncIterator[Topics]:
    """Topics of their own, as the end-to-end suite's: the services here read from the
    beginning, and another suite's network graduates must not staff these sessions."""
    async with suite_topics(servers, run_id, "ui") as names:
        yield names


@pytest.fixture(scope="module")
def network(
    servers: Servers, topics: Topics, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Network]:
    with started_network(
        servers, topics, log_dir=tmp_path_factory.mktemp("console-logs")
    ) as running:
        start_console(running)
        yield running


@pytest.fixture(scope="session")
def chromium() -> str:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run tools/ensure-chromium", pytrace=False)
    return CHROMIUM


@pytest.fixture(scope="module")
async def browser(chromium: str) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()
