"""A service's shutdown steps are bounded: one that never returns is abandoned, so the
process still exits (a test run once hung in a service's teardown)."""

from __future__ import annotations

import asyncio

from peerlink_shared.runtime import stop_within


async def test_a_stop_that_never_returns_is_abandoned() -> None:
    never = asyncio.Event()
    # If _bounded did not bound, this outer limit would fail the test.
    await asyncio.wait_for(stop_within(never.wait(), what="stuck", timeout=0.05), timeout=5)


async def test_a_stop_that_returns_is_awaited_to_the_end() -> None:
    done: list[str] = []

    async def stop() -> None:
        await asyncio.sleep(0.01)
        done.append("stopped")

    await stop_within(stop(), what="quick", timeout=5)
    assert done == ["stopped"]
