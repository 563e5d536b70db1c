"""The console's own door: cookie, CSRF, CSP, login refusals, escaping, token relay."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from peerlink_console.answers import Decision
from peerlink_console.app import create_app
from peerlink_console.ops_access import NotNetworkOps, gate_for
from peerlink_console.rendering import templates
from peerlink_console.services import ServiceError, Services
from peerlink_console.sessions import SessionStore
from peerlink_console.settings import ConsoleSettings, OidcSettings
from peerlink_console.tokens import user_of
from peerlink_shared.security.auth import ALL_AUDIENCES, InvalidToken, Role
from peerlink_shared.security.auth_local import LOCAL_ISSUER, issue_token, local_key
from peerlink_shared.security.auth_settings import TokenSettings
from pydantic import AnyHttpUrl

SECRET = "console-unit-test-secret-0123456789abcdef"
STATIC = Path(__file__).parents[2] / "console/src/peerlink_console/static"
HTMX_SHA256 = "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717"


def token(*, role: Role = Role.COORDINATOR, centre: str = "north", ttl: float = 3600) -> str:
    return issue_token(
        key=local_key(SECRET),
        issuer=LOCAL_ISSUER,
        audiences=ALL_AUDIENCES,
        subject="coordinator-1",
        centre=centre,
        role=role,
        now=datetime.now(UTC) - timedelta(seconds=max(0, -ttl) + 10),
        ttl=timedelta(seconds=abs(ttl)),
    )


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("PEERLINK_TOKEN_SECRET", SECRET)
    app = create_app(ConsoleSettings(allow_minting=True), OidcSettings())
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, "the page has no CSRF field"
    return found.group(1)


def test_the_login_page_sets_a_strict_http_only_cookie_and_a_strict_csp(
    client: TestClient,
) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert "secure" not in cookie  # plain http on loopback; https makes it Secure (below)
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    # No inline script anywhere: every <script> has a src.
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page.text) == []
    assert '<html lang="en">' in page.text


def test_the_cookie_is_secure_behind_https(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = ConsoleSettings(public_url=AnyHttpUrl("https://console.example.org"))
    with TestClient(create_app(settings, OidcSettings()), base_url="https://testserver") as c:
        assert "secure" in c.get("/login").headers["set-cookie"].lower()


def test_a_post_without_the_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/login")
    refused = client.post("/login/token", data={"token": token()})
    assert refused.status_code == 403
    assert "CSRF" in refused.text
    for guess in ("guess", "é" * 40, ""):
        wrong = client.post("/login/token", data={"token": token(), "csrf_token": guess})
        assert wrong.status_code == 403, guess


def test_a_pasted_token_logs_in_with_a_new_session_id(client: TestClient) -> None:
    page = client.get("/login")
    before = page.cookies["peerlink_console"]
    answer = client.post("/login/token", data={"token": token(), "csrf_token": csrf_of(page)})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/pool"
    after = answer.cookies["peerlink_console"]
    assert after != before  # no session fixation
    # The token itself never reaches the browser.
    assert token() not in answer.headers.get("set-cookie", "")


@pytest.mark.parametrize(
    ("pasted", "says"),
    [
        ("not-a-token", "not a JSON Web Token"),
        ("", "token: Field required"),
        ("x" * 9000, "at most 8192 characters"),
    ],
)
def test_a_bad_token_is_refused_saying_why(client: TestClient, pasted: str, says: str) -> None:
    page = client.get("/login")
    answer = client.post("/login/token", data={"token": pasted, "csrf_token": csrf_of(page)})
    assert answer.status_code in {400, 422}
    assert says in answer.text
    assert "/pool" not in answer.headers.get("location", "")


def test_an_expired_token_is_refused_and_an_ops_token_may_span_the_network() -> None:
    with pytest.raises(InvalidToken, match="expired"):
        user_of(token(ttl=-5), now=datetime.now(UTC))
    forged = issue_token(
        key=local_key(SECRET),
        issuer=LOCAL_ISSUER,
        audiences=ALL_AUDIENCES,
        subject="ops-1",
        centre="*",
        role=Role.OPS,
        now=datetime.now(UTC),
        ttl=timedelta(hours=1),
    )
    assert user_of(forged, now=datetime.now(UTC)).centre == "*"


def test_minting_is_refused_unless_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEERLINK_TOKEN_SECRET", SECRET)
    with TestClient(create_app(ConsoleSettings(), OidcSettings()), follow_redirects=False) as c:
        page = c.get("/login")
        assert "/login/mint" not in page.text
        answer = c.post(
            "/login/mint",
            data={
                "role": "coordinator",
                "centre": "north",
                "subject": "c-1",
                "csrf_token": csrf_of(page),
            },
        )
        assert answer.status_code == 404


def test_minting_refuses_a_star_centre_for_a_coordinator(client: TestClient) -> None:
    page = client.get("/login")
    answer = client.post(
        "/login/mint",
        data={"role": "coordinator", "centre": "*", "subject": "c-1", "csrf_token": csrf_of(page)},
    )
    assert answer.status_code == 400
    assert "No token could be minted" in answer.text


def test_pages_need_a_login_and_htmx_is_told_where_to_go(client: TestClient) -> None:
    assert client.get("/pool").headers["location"] == "/login"
    htmx = client.get("/pool", headers={"HX-Request": "true"})
    assert htmx.status_code == 204
    assert htmx.headers["HX-Redirect"] == "/login"


def test_a_path_id_that_is_not_an_id_is_refused_before_any_service_call(
    client: TestClient,
) -> None:
    page = client.get("/login")
    client.post("/login/token", data={"token": token(), "csrf_token": csrf_of(page)})
    pool = client.get("/login", follow_redirects=True)
    answer = client.post("/sessions/..%2F..%2Fpolicy/cancel", data={"csrf_token": csrf_of(pool)})
    assert answer.status_code in {404, 422}


def test_text_from_a_service_is_escaped() -> None:
    hostile = "<script>alert(1)</script>"
    decision = Decision(
        person_id="p-1", eligible=False, reasons=[hostile], policy_version=0, holds_from={}
    )
    html = templates().get_template("_pool_rows.html").render(decisions=[decision], csrf_token="t")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


async def test_services_are_called_with_the_users_own_token() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/policy"):
            return httpx.Response(403, json={"detail": "this token may not act for south"})
        return httpx.Response(200, json=[])

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        services = Services(client=http, urls={"eligibility": "http://eligibility"})
        assert await services.decisions("north", token="tok-1", eligible=True) == []
        with pytest.raises(ServiceError) as refused:
            await services.policy("south", token="tok-2")
    assert seen[0].headers["Authorization"] == "Bearer tok-1"
    assert seen[0].url.params["eligible"] == "true"
    assert seen[1].headers["Authorization"] == "Bearer tok-2"
    assert refused.value.status == 403
    assert refused.value.detail == "this token may not act for south"


def test_the_vendored_htmx_is_the_pinned_file() -> None:
    digest = hashlib.sha256((STATIC / "htmx.min.js").read_bytes()).hexdigest()
    assert digest == HTMX_SHA256
    assert HTMX_SHA256 in (STATIC / "VENDORED.md").read_text()


def test_the_ops_gate_takes_only_what_a_service_takes_as_network_ops(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PEERLINK_TOKEN_SECRET", SECRET)
    gate = gate_for(TokenSettings())
    assert gate.check(token(role=Role.OPS, centre="*")).subject == "coordinator-1"
    with pytest.raises(NotNetworkOps, match="every centre"):
        gate.check(token(role=Role.OPS, centre="north"))
    with pytest.raises(NotNetworkOps, match="every centre"):
        gate.check(token(role=Role.COORDINATOR))
    forged = issue_token(
        key=local_key("another-secret-that-is-long-enough-0123456789"),
        issuer=LOCAL_ISSUER,
        audiences=ALL_AUDIENCES,
        subject="ops-9",
        centre="*",
        role=Role.OPS,
        now=datetime.now(UTC),
        ttl=timedelta(hours=1),
    )
    with pytest.raises(NotNetworkOps, match="no service would accept"):
        gate.check(forged)


def test_the_ops_pages_are_a_404_when_off(client: TestClient) -> None:
    page = client.get("/login")
    minted = client.post(
        "/login/mint",
        data={"role": "ops", "centre": "*", "subject": "ops-1", "csrf_token": csrf_of(page)},
    )
    assert minted.headers["location"] == "/ops"
    off = client.get("/ops")
    assert off.status_code == 404
    assert "PEERLINK_CONSOLE_OPS_KAFKA" in off.text


def test_a_flood_of_anonymous_visits_does_not_log_anyone_out() -> None:
    store = SessionStore(lifetime=timedelta(hours=1), capacity=3)
    now = datetime.now(UTC)
    working = store.new(now=now)
    working.user = user_of(token(), now=now)
    for _ in range(10):
        store.new(now=now + timedelta(seconds=1))
    assert store.get(working.session_id, now=now + timedelta(seconds=2)) is working
    assert store.get(working.session_id, now=now + timedelta(hours=2)) is None  # expired
