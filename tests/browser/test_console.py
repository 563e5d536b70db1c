"""A coordinator's journeys through the console, clicked in Chromium against the real network:
log in, read the pool, try and save a policy, request, staff and cancel sessions, read the
messages. Each journey saves a screenshot to docs/screenshots/ (the README shows them)."""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from peerlink_devtools.processes import Network
from peerlink_devtools.scenario import Api, enrol_graduate, record_year_sober, register_centre
from peerlink_shared.messaging.topics import Topics
from peerlink_shared.security.auth import Role
from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import SCREENSHOTS
from tests.e2e.network import open_session
from tests.integration.helpers import eventually, publish_raw
from tests.servers import Servers

pytestmark = pytest.mark.e2e
TODAY = datetime.now(UTC).date()
WAIT_MS = 60_000


@dataclass(frozen=True)
class World:
    console: str
    centre: str
    graduate: str  # eligible: a year sober
    newcomer: str  # not yet: 300 days sober, holds from day 365


def quiet(_: str) -> None:
    pass


async def sober_for(api: Api, *, centre: str, person: str, days: int) -> None:
    coordinator = api.token(role=Role.COORDINATOR, centre=centre, subject="coordinator-1")
    answer = await api.call(
        "POST",
        "intake",
        f"/centres/{centre}/persons/{person}/sobriety-milestones",
        headers={**coordinator, "Idempotency-Key": secrets.token_hex(6)},
        json={
            "sober_since": str(TODAY - timedelta(days=days)),
            "days": days,
            "recorded_on": str(TODAY),
        },
    )
    assert answer.status_code == 202, answer.text


async def a_centre(api: Api, *, name: str) -> tuple[str, str, str]:
    """A centre with a graduate a year sober and one 300 days sober; waits for both decisions."""
    centre = f"ui-{secrets.token_hex(3)}"
    coordinator = api.token(role=Role.COORDINATOR, centre=centre, subject="coordinator-1")
    await register_centre(api, centre_id=centre, name=name, coordinator=coordinator)
    graduate = await enrol_graduate(
        api, centre_id=centre, coordinator=coordinator, today=TODAY, say=quiet
    )
    await record_year_sober(
        api,
        centre_id=centre,
        person_id=graduate,
        coordinator=coordinator,
        today=TODAY,
        key=secrets.token_hex(6),
    )
    newcomer = await enrol_graduate(
        api, centre_id=centre, coordinator=coordinator, today=TODAY, say=quiet
    )
    await sober_for(api, centre=centre, person=newcomer, days=300)

    async def decided() -> list[object] | None:
        pool = await api.call(
            "GET", "eligibility", f"/centres/{centre}/decisions", headers=coordinator
        )
        found = {d["person_id"]: d for d in pool.json()}
        ready = found.get(graduate, {}).get("eligible") is True and found.get(newcomer, {}).get(
            "reasons"
        ) == ["sober_too_short"]
        return list(found) if ready else None

    await eventually(decided, timeout=60)
    return centre, graduate, newcomer


@pytest.fixture(scope="module")
async def world(network: Network) -> AsyncIterator[World]:
    api = Api({name: network.url(name) for name in network.processes}, network.token_secret)
    try:
        centre, graduate, newcomer = await a_centre(api, name="Harbour House")
        yield World(network.url("console"), centre, graduate, newcomer)
    finally:
        await api.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    opened = await context.new_page()
    problems: list[str] = []
    opened.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if "Content Security Policy" in message.text or message.type == "error"
            else None
        ),
    )
    opened.on("pageerror", lambda error: problems.append(str(error)))
    yield opened
    await context.close()
    # The strict CSP holds: htmx runs with no inline script, style or eval.
    assert problems == [], problems


async def log_in(page: Page, world: World, *, screenshot: str | None = None) -> None:
    await page.goto(f"{world.console}/login")
    if screenshot:
        await page.screenshot(path=SCREENSHOTS / screenshot, full_page=True)
    await page.get_by_label("Role").select_option("coordinator")
    await page.get_by_label("Centre id").fill(world.centre)
    await page.get_by_label("Your staff id").fill("coordinator-1")
    await page.get_by_role("button", name="Mint and log in").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Supporter pool of {world.centre}"
    )


def day_text(day: date) -> str:
    return day.strftime("%d %b %Y")


async def test_the_pool_says_who_qualifies_and_why_not_yet_with_the_day(
    page: Page, world: World
) -> None:
    await log_in(page, world, screenshot="login.png")
    graduate = page.locator(f'tr[data-person="{world.graduate}"]')
    newcomer = page.locator(f'tr[data-person="{world.newcomer}"]')
    await expect(graduate).to_contain_text("Eligible")
    holds = day_text(TODAY + timedelta(days=65))
    await expect(newcomer).to_contain_text(f"not sober long enough yet: holds from {holds}")
    await expect(newcomer).to_contain_text("Not yet")
    await page.screenshot(path=SCREENSHOTS / "pool.png", full_page=True)

    await page.get_by_label("Not yet").check()
    await expect(graduate).to_have_count(0)
    await expect(newcomer).to_have_count(1)
    assert page.url.endswith("/pool?show=not_yet")
    await page.get_by_label("Eligible", exact=True).check()
    await expect(newcomer).to_have_count(0)
    await expect(graduate).to_have_count(1)


async def test_the_what_if_names_who_would_gain_before_saving_then_the_job_runs(
    page: Page, world: World
) -> None:
    await log_in(page, world)
    await page.get_by_role("link", name="Policy").click()
    await page.get_by_label("Days sober at least").fill("300")
    await page.get_by_role("button", name="Preview what would change").click()
    preview = page.locator("#preview")
    await expect(preview).to_contain_text("Would become eligible")
    await expect(preview.locator(".gaining")).to_contain_text(world.newcomer)
    await expect(preview).to_contain_text("nothing was saved")
    await page.screenshot(path=SCREENSHOTS / "policy-preview.png", full_page=True)

    await page.get_by_role("button", name="Save as a new version").click()
    await expect(page.locator("#saved")).to_contain_text("Saved as version 1")
    await expect(page.locator("#saved")).to_contain_text("Re-evaluation done", timeout=WAIT_MS)
    await page.reload()
    await expect(page.locator("table tbody tr").first).to_contain_text("1")
    await expect(page.get_by_label("Days sober at least")).to_have_value("300")
    await page.get_by_role("link", name="Pool").click()
    await expect(page.locator(f'tr[data-person="{world.newcomer}"]')).to_contain_text("Eligible")


async def test_a_session_is_requested_staffed_with_why_and_another_cancelled(
    page: Page, world: World
) -> None:
    await log_in(page, world)
    await page.get_by_role("link", name="Sessions").click()
    day = TODAY + timedelta(days=3)
    await page.get_by_label("Day").fill(str(day))
    await page.get_by_label("Starts at").fill("10:00")
    await page.get_by_label("Supporters needed").fill("1")
    await page.get_by_role("button", name="Request").click()
    await expect(page.locator("#agenda")).to_contain_text("requested")
    kept = page.locator(".session").first
    session_id = await kept.get_attribute("data-session")

    async def staffed() -> bool | None:
        await page.reload()
        text = await page.locator(f'[data-session="{session_id}"]').inner_text()
        return True if "Staffed" in text else None

    await eventually(staffed, timeout=60)
    booked = page.locator(f'[data-session="{session_id}"]')
    await expect(booked).to_contain_text("1 of 1 supporters")
    await expect(booked.locator(".assignments")).to_contain_text("why:")

    await page.get_by_label("Day").fill(str(day + timedelta(days=1)))
    await page.get_by_label("Starts at").fill("15:30")
    await page.get_by_label("Supporters needed").fill("3")
    await page.get_by_role("button", name="Request").click()
    await expect(page.locator(".session")).to_have_count(2)
    other_id = await page.locator(".session").nth(1).get_attribute("data-session")

    async def why_open() -> bool | None:
        await page.reload()
        text = await page.locator(f'[data-session="{other_id}"]').inner_text()
        return True if "why open" in text else None

    # Two eligible supporters for three places: it says so, about the pool, naming no one.
    await eventually(why_open, timeout=60)
    other = page.locator(f'[data-session="{other_id}"]')
    await expect(other).to_contain_text("Partly staffed")
    await expect(other).to_contain_text("2 of 3 supporters")
    await expect(other).to_contain_text("why open: not enough eligible supporters at this centre")
    await page.screenshot(path=SCREENSHOTS / "sessions.png", full_page=True)
    page.once("dialog", lambda dialog: dialog.accept())
    await other.get_by_role("button", name="Cancel session").click()
    await expect(page.locator("#agenda")).to_contain_text(f"Session {other_id} cancelled")
    await expect(page.locator(f'[data-session="{other_id}"]')).to_have_count(0)
    await expect(page.locator(f'[data-session="{session_id}"]')).to_have_count(1)


async def test_messages_and_deliveries_show_their_status(page: Page, world: World) -> None:
    await log_in(page, world)

    async def told() -> bool | None:
        await page.goto(f"{world.console}/messages")
        return True if await page.locator("section table").count() == 2 else None

    await eventually(told, timeout=60)
    messages = page.locator("section", has=page.get_by_role("heading", name="Messages", exact=True))
    await expect(messages).to_contain_text("You're booked for a session at Harbour House")
    await expect(messages).to_contain_text(world.graduate)
    await page.screenshot(path=SCREENSHOTS / "messages.png", full_page=True)


async def test_on_a_phone_nothing_scrolls_sideways(browser: Browser, world: World) -> None:
    context = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = await context.new_page()
    try:
        await log_in(page, world)
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the pool is {width}px wide on a 390px screen"
        await page.screenshot(path=SCREENSHOTS / "pool-phone.png", full_page=True)
    finally:
        await context.close()


LABEL_CHECK = """() => {
  const fields = [...document.querySelectorAll('input:not([type=hidden]), select, textarea')];
  const unlabelled = fields.filter(f => f.labels.length === 0 && !f.getAttribute('aria-label'));
  const buttons = [...document.querySelectorAll('button, a')].filter(b => !b.textContent.trim());
  return {
    lang: document.documentElement.lang,
    h1: document.querySelectorAll('h1').length,
    main: document.querySelectorAll('main').length,
    nav: document.querySelectorAll('nav[aria-label]').length,
    unlabelled: unlabelled.map(f => f.name || f.id),
    nameless: buttons.length,
  };
}"""


async def test_every_page_has_labels_landmarks_and_a_visible_focus(
    page: Page, world: World
) -> None:
    await log_in(page, world)
    for path in ("/pool", "/policy", "/sessions", "/messages"):
        await page.goto(f"{world.console}{path}")
        found = await page.evaluate(LABEL_CHECK)
        assert found == {
            "lang": "en",
            "h1": 1,
            "main": 1,
            "nav": 1,
            "unlabelled": [],
            "nameless": 0,
        }, path
    await page.keyboard.press("Tab")
    focused = await page.evaluate(
        "(() => { const e = document.activeElement; const s = getComputedStyle(e);"
        " return [e.textContent.trim(), s.outlineStyle, s.outlineWidth]; })()"
    )
    assert focused[0] == "Skip to content"
    assert focused[1] == "solid"
    assert focused[2] == "3px"


async def test_a_post_without_the_csrf_token_is_refused(page: Page, world: World) -> None:
    await log_in(page, world)
    await page.goto(f"{world.console}/sessions")
    before = await page.locator(".session").count()
    # The browser's own session cookie, but no CSRF token: as a forged cross-site form would.
    answer = await page.request.post(
        f"{world.console}/sessions",
        form={"day": str(TODAY + timedelta(days=5)), "starts": "09:00", "duration_minutes": "60"},
    )
    assert answer.status == 403
    assert "CSRF token is missing or wrong" in await answer.text()
    await page.goto(f"{world.console}/sessions")
    await expect(page.locator(".session")).to_have_count(before)


async def test_a_script_in_a_centre_name_is_shown_as_text(
    page: Page, world: World, network: Network
) -> None:
    api = Api({name: network.url(name) for name in network.processes}, network.token_secret)
    hostile = 'Evil <script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">'
    try:
        centre, _, _ = await a_centre(api, name=hostile)
        coordinator = api.token(role=Role.COORDINATOR, centre=centre, subject="coordinator-1")
        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
        await open_session(api, centre_id=centre, headers=coordinator, starts_at=starts)
    finally:
        await api.close()
    await log_in(page, World(world.console, centre, "", ""))

    async def told() -> bool | None:
        await page.goto(f"{world.console}/messages")
        return True if "window.pwned" in await page.inner_text("main") else None

    await eventually(told, timeout=60)
    assert "<script>window.pwned = 1</script>" in await page.inner_text("main")
    assert await page.evaluate("window.pwned") is None
    assert await page.locator("main script, main img").count() == 0


async def log_in_as_ops(page: Page, world: World) -> None:
    await page.goto(f"{world.console}/login")
    await page.get_by_label("Role").select_option("ops")
    await page.get_by_label("Centre id").fill("*")
    await page.get_by_label("Your staff id").fill("ops-1")
    await page.get_by_role("button", name="Mint and log in").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Ops: consumers and dead letters"
    )


async def test_ops_see_lag_and_dead_letters_by_reason_without_bodies_and_replay(
    page: Page, world: World, network: Network, servers: Servers, topics: Topics
) -> None:
    secret = "<script>window.pwned = 3</script> craving diary"
    bad = {"specversion": "1.0", "id": "ui-bad-1", "data": {"note": secret}}
    await publish_raw(servers.kafka, topics.centre_events, [(b"ui-bad", json.dumps(bad).encode())])
    await log_in_as_ops(page, world)
    for service in ("intake", "eligibility", "scheduling", "notifications"):
        await expect(
            page.locator(f'tr[data-group="{topics.prefix}peerlink-{service}"]').first
        ).to_be_visible()
    dlq = f"{topics.centre_events}.dlq"

    async def dead_lettered() -> bool | None:
        await page.reload()
        row = page.locator(f'h3:has-text("{dlq}") + table tr[data-reason="invalid_envelope"]')
        return (
            True
            if await row.count() and await row.locator("td").first.inner_text() == "2"
            else None
        )

    # Scheduling and notifications both read centre events: each refuses it once.
    await eventually(dead_lettered, timeout=60)
    await page.screenshot(path=SCREENSHOTS / "ops.png", full_page=True)

    await page.get_by_role("link", name=f"Inspect and replay invalid_envelope on {dlq}").click()
    await expect(page.locator("table.letters tbody tr")).to_have_count(2)
    main = await page.inner_text("main")
    assert "craving diary" not in main and "pwned" not in main  # bodies are withheld
    await expect(page.locator("table.letters")).to_contain_text("(withheld)")

    replay = page.get_by_role("button", name="Replay")
    await replay.click()  # the confirmation is required: the browser will not submit
    await expect(page.locator("#replayed")).to_be_empty()
    await page.get_by_label("I fixed the cause").check()
    await replay.click()
    await expect(page.locator("#replayed")).to_contain_text(f"Replayed 2 to {topics.centre_events}")
    await page.screenshot(path=SCREENSHOTS / "ops-dead-letters.png", full_page=True)

    # Refused again (the cause is not fixed): both copies, by both services, so four more.
    async def back_again() -> bool | None:
        await page.goto(f"{world.console}/ops")
        row = page.locator(f'h3:has-text("{dlq}") + table tr[data-reason="invalid_envelope"]')
        return True if await row.locator("td").first.inner_text() == "6" else None

    await eventually(back_again, timeout=60)


async def test_the_ops_pages_refuse_a_coordinator_and_an_unconfirmed_replay(
    browser: Browser, world: World, topics: Topics
) -> None:
    # Its own context: the refusals it provokes are logged by the browser as errors.
    context = await browser.new_context()
    try:
        await refusals(await context.new_page(), world, topics)
    finally:
        await context.close()


async def refusals(page: Page, world: World, topics: Topics) -> None:
    await log_in(page, world)
    await expect(page.get_by_role("link", name="Ops")).to_have_count(0)
    refused = await page.goto(f"{world.console}/ops")
    assert refused is not None and refused.status == 403
    await expect(page.locator("main")).to_contain_text("an ops token for every centre")

    await page.get_by_role("button", name="Log out").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    after = await page.goto(f"{world.console}/pool")
    assert after is not None and after.url.endswith("/login")  # the session is gone
    await log_in_as_ops(page, world)
    csrf = await page.locator('input[name="csrf_token"]').first.get_attribute("value")
    assert csrf
    unconfirmed = await page.request.post(
        f"{world.console}/ops/dead-letters/replay",
        form={
            "topic": f"{topics.centre_events}.dlq",
            "reason": "invalid_envelope",
            "csrf_token": csrf,
        },
    )
    assert unconfirmed.status == 422
    assert "tick the confirmation" in await unconfirmed.text()
    unknown = await page.request.post(
        f"{world.console}/ops/dead-letters/replay",
        form={"topic": topics.centre_events, "reason": "x", "confirm": "true", "csrf_token": csrf},
    )
    assert unknown.status == 404  # only a dead-letter topic can be replayed from
