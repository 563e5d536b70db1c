"""A token secret's own value never shows: not in a refusal, a 401, a log line, a repr or a
settings dump, however verification fails."""

from __future__ import annotations

import logging
import traceback
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
import structlog
from fastapi import FastAPI
from peerlink_shared.security.auth import InvalidToken, Role, audience_of
from peerlink_shared.security.auth_local import LOCAL_ISSUER, SigningKey, issue_token
from peerlink_shared.security.auth_settings import TokenSettings
from peerlink_shared.web.http import Caller
from pydantic import SecretStr, ValidationError

SECRET = "VERY-SECRET-canary-0b5d6c1e9a7f4e2d8c3b"
OTHER = "ANOTHER-SECRET-canary-5e7a1c9d3b2f4a6e"
NOW = datetime.now(UTC)


def settings() -> TokenSettings:
    return TokenSettings(
        token_secret=SecretStr(SECRET),
        token_keys={"next": SecretStr(OTHER)},
        token_signing_kid="default",
    )


def minted(
    *,
    secret: str = SECRET,
    kid: str = "default",
    audience: str = audience_of("intake"),
    issuer: str = LOCAL_ISSUER,
    issued_at: datetime = NOW,
    ttl: timedelta = timedelta(hours=1),
) -> str:
    return issue_token(
        key=SigningKey(kid, SecretStr(secret)),
        issuer=issuer,
        audiences=[audience],
        subject="c-1",
        centre="north",
        role=Role.COORDINATOR,
        now=issued_at,
        ttl=ttl,
    )


FAILURES = {
    "another service": minted(audience=audience_of("scheduling")),
    "another issuer": minted(issuer="elsewhere"),
    "expired": minted(issued_at=NOW - timedelta(hours=3)),
    "too long": minted(ttl=timedelta(days=2)),
    "unknown kid": minted(kid="gone"),
    "wrong secret for the kid": minted(secret="x" * 40),
    "the next key's secret under the default kid": minted(secret=OTHER),
    "alg none": jwt.encode({"sub": "c-1"}, "", algorithm="none", headers={"kid": "default"}),
    "every centre for a coordinator": jwt.encode(
        {
            "iss": LOCAL_ISSUER,
            "aud": audience_of("intake"),
            "sub": "c-1",
            "centre": "*",
            "role": "coordinator",
            "iat": int(NOW.timestamp()),
            "exp": int(NOW.timestamp()) + 60,
        },
        SECRET,
        algorithm="HS256",
        headers={"kid": "default"},
    ),
    "garbage": "not.a.token",
}


def assert_secret_free(text: str) -> None:
    assert SECRET not in text
    assert OTHER not in text


@pytest.fixture
def app() -> FastAPI:
    app = FastAPI()
    app.state.token_verifier = settings().token_verifier(audience=audience_of("intake"))

    @app.get("/whoami")
    def whoami(caller: Caller) -> dict[str, str]:
        return {"centre": caller.centre}

    return app


@pytest.mark.parametrize("case", sorted(FAILURES))
def test_a_refusal_never_quotes_the_secret(case: str) -> None:
    verifier = settings().token_verifier(audience=audience_of("intake"))
    with pytest.raises(InvalidToken) as refusal:
        verifier.verify(FAILURES[case])
    assert_secret_free(str(refusal.value))
    assert_secret_free(repr(refusal.value))
    assert_secret_free("".join(traceback.format_exception(refusal.value)))


async def test_a_401_and_the_log_lines_never_quote_the_secret(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with structlog.testing.capture_logs() as events:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://service"
        ) as client:
            for case, token in FAILURES.items():
                response = await client.get("/whoami", headers={"Authorization": f"Bearer {token}"})
                assert response.status_code == 401, (case, response.text)
                assert "refused" in response.json()["detail"], case
                assert 'error="invalid_token"' in response.headers["www-authenticate"], case
                assert_secret_free(response.text)
                assert_secret_free(str(response.headers))
            good = await client.get("/whoami", headers={"Authorization": f"Bearer {minted()}"})
            assert good.json() == {"centre": "north"}
    assert [event["event"] for event in events] == ["token_refused"] * len(FAILURES)
    for line in [*map(str, events), *(record.getMessage() for record in caplog.records)]:
        assert_secret_free(line)


def test_settings_never_show_a_secret() -> None:
    loaded = settings()
    for shown in (repr(loaded), str(loaded), loaded.model_dump_json(), str(loaded.model_dump())):
        assert_secret_free(shown)
    assert_secret_free(repr(loaded.signing_keys()))


def test_a_settings_error_never_quotes_a_secret() -> None:
    with pytest.raises(ValidationError) as refusal:
        TokenSettings(token_keys={"good": SecretStr(SECRET), "weak": SecretStr("short")})
    assert "PEERLINK_TOKEN_KEYS[weak]" in str(refusal.value)
    assert_secret_free(str(refusal.value))
    with pytest.raises(ValidationError) as placeholder:
        TokenSettings(token_secret=SecretStr(SECRET[:20]))
    assert SECRET[:20] not in str(placeholder.value)
