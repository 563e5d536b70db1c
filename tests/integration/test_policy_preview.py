"""The what-if holds the facts it read, on the real servers: a fact eligibility consumes
after a preview is in the next preview at once, with no stale answer in between."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from peerlink_shared.messaging.topics import Topics

from tests.integration.helpers import (
    eventually,
    intake_and_eligibility,
    register_centres,
)
from tests.integration.test_links_and_sharing import (
    HOME,
    TODAY,
    Services,
    coordinator,
    decision,
    graduate,
    ops,
    post,
)
from tests.servers import Servers

HELD_FOR = timedelta(seconds=30)  # the default max age, which this app runs with


@pytest.fixture(scope="module")
async def services(servers: Servers, topics: Topics, run_id: str) -> AsyncIterator[Services]:
    async with intake_and_eligibility(
        servers, topics, run_id, names=("whatif", "whatif-eligibility")
    ) as (intake, eligibility):
        await register_centres(intake, HOME, caller=ops())
        yield Services(intake, eligibility, f"{run_id}-whatif-eligibility")


async def stricter(services: Services) -> dict[str, Any]:
    """600 sober days instead of 365: HOME's graduates of 500 days would lose eligibility."""
    response = await services.eligibility.post(
        f"/centres/{HOME}/policy/preview",
        json={"min_sober_days": 600},
        headers=coordinator(HOME),
    )
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def test_facts_consumed_after_a_what_if_are_in_the_next_one(services: Services) -> None:
    relapsing = await graduate(services)  # 500 days sober at HOME: eligible now
    first = await stricter(services)
    read_at = datetime.fromisoformat(first["facts_as_of"])
    assert relapsing in first["losing"]

    newcomer = await graduate(services)  # stored after the facts were read
    relapse = await post(
        services,
        HOME,
        relapsing,
        "relapses",
        {"relapsed_on": str(TODAY)},
        caller=coordinator(HOME),
    )
    assert relapse.status_code == 202, relapse.text
    await eventually(lambda: decision(services, HOME, relapsing, eligible=False))

    second = await stricter(services)
    # The same read, not a new one (the steps above take seconds of the 30 the facts are
    # held for): the consumer laid both persons' new facts over it.
    assert datetime.fromisoformat(second["facts_as_of"]) == read_at
    assert newcomer in second["losing"]
    assert relapsing not in second["losing"] + second["gaining"]  # ineligible either way


async def test_the_answer_says_how_old_its_facts_may_be(services: Services) -> None:
    schema = (await services.eligibility.get("/openapi.json")).json()
    described = schema["components"]["schemas"]["PolicyPreviewOut"]["properties"]["facts_as_of"]
    assert "30 s" in described["description"]
    read_at = datetime.fromisoformat((await stricter(services))["facts_as_of"])
    assert timedelta(0) <= datetime.now(UTC) - read_at < HELD_FOR


async def test_held_facts_are_read_again_behind_the_previews_before_they_expire(
    services: Services,
) -> None:
    """From half their max age, a preview is still answered from the held facts and starts
    the next read behind it: a slider in use never waits for a read."""

    async def just_read() -> datetime | None:
        as_of = datetime.fromisoformat((await stricter(services))["facts_as_of"])
        return as_of if datetime.now(UTC) - as_of < timedelta(seconds=3) else None

    read_at = await eventually(just_read, timeout=HELD_FOR.total_seconds() + 10)
    await asyncio.sleep((read_at + HELD_FOR / 2 - datetime.now(UTC)).total_seconds())
    served = datetime.fromisoformat((await stricter(services))["facts_as_of"])
    assert served == read_at

    async def read_again() -> datetime | None:
        as_of = datetime.fromisoformat((await stricter(services))["facts_as_of"])
        return as_of if as_of > read_at else None

    again = await eventually(read_again)
    assert again < read_at + HELD_FOR  # before the held facts expired
