"""The console's OpenID Connect login (code + PKCE) against a provider served here by a real
HTTP server on 127.0.0.1: discovery, the token endpoint checking the PKCE verifier, a JWKS."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from jwt.algorithms import RSAAlgorithm
from peerlink_console.app import create_app
from peerlink_console.oidc import code_challenge
from peerlink_console.settings import ConsoleSettings, OidcSettings
from pydantic import AnyHttpUrl

CLIENT_ID = "peerlink-console"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Provider:
    url: str = ""
    # code -> (the PKCE challenge it was issued for, the nonce to put in the ID token)
    codes: dict[str, tuple[str, str]] = field(default_factory=dict)


def signed(claims: dict[str, object]) -> str:
    return jwt.encode(claims, KEY, algorithm="RS256", headers={"kid": "k1"})


def handler_for(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: object) -> None:
            pass

        def answer(self, code: int, body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/.well-known/openid-configuration":
                self.answer(
                    200,
                    {
                        "issuer": provider.url,
                        "authorization_endpoint": f"{provider.url}/authorize",
                        "token_endpoint": f"{provider.url}/token",
                        "jwks_uri": f"{provider.url}/jwks",
                    },
                )
            elif self.path == "/jwks":
                jwk = RSAAlgorithm.to_jwk(KEY.public_key(), as_dict=True)
                self.answer(200, {"keys": [{**jwk, "kid": "k1", "use": "sig"}]})
            else:
                self.answer(404, {})

        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            issued = provider.codes.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            if issued is None or code_challenge(verifier) != issued[0]:
                self.answer(400, {"error": "invalid_grant"})
                return
            now = int(datetime.now(UTC).timestamp())
            self.answer(
                200,
                {
                    "access_token": signed(
                        {
                            "iss": provider.url,
                            "aud": ["peerlink-eligibility"],
                            "sub": "staff-7",
                            "centre": "north",
                            "role": "coordinator",
                            "iat": now,
                            "exp": now + 600,
                        }
                    ),
                    "id_token": signed(
                        {
                            "iss": provider.url,
                            "aud": CLIENT_ID,
                            "sub": "staff-7",
                            "nonce": issued[1],
                            "iat": now,
                            "exp": now + 600,
                        }
                    ),
                },
            )

    return Handler


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    found = Provider()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(found))
    found.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield found
    server.shutdown()


@pytest.fixture
def client(provider: Provider) -> Iterator[TestClient]:
    oidc = OidcSettings(issuer=AnyHttpUrl(provider.url), client_id=CLIENT_ID)
    with TestClient(create_app(ConsoleSettings(), oidc), follow_redirects=False) as test_client:
        yield test_client


def start(client: TestClient, provider: Provider) -> dict[str, str]:
    assert 'href="/login/oidc"' in client.get("/login").text
    redirect = client.get("/login/oidc")
    assert redirect.status_code == 303
    location = urlsplit(redirect.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{provider.url}/authorize"
    return {k: v[0] for k, v in parse_qs(location.query).items()}


def test_the_challenge_is_s256_base64url_without_padding() -> None:
    challenge = code_challenge("a-verifier")
    assert len(challenge) == 43
    assert set(challenge) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert challenge != code_challenge("another-verifier")


def test_code_and_pkce_log_the_user_in(client: TestClient, provider: Provider) -> None:
    sent = start(client, provider)
    assert sent["response_type"] == "code"
    assert sent["client_id"] == CLIENT_ID
    assert sent["code_challenge_method"] == "S256"
    assert sent["redirect_uri"] == "http://127.0.0.1:8100/login/oidc/callback"
    provider.codes["code-1"] = (sent["code_challenge"], sent["nonce"])
    done = client.get("/login/oidc/callback", params={"code": "code-1", "state": sent["state"]})
    assert done.status_code == 303
    assert done.headers["location"] == "/pool"
    assert client.get("/login").headers["location"] == "/pool"  # logged in


def test_an_answer_for_another_login_is_refused(client: TestClient, provider: Provider) -> None:
    sent = start(client, provider)
    provider.codes["code-2"] = (sent["code_challenge"], sent["nonce"])
    for state in ("x", "é"):
        wrong = client.get("/login/oidc/callback", params={"code": "code-2", "state": state})
        assert wrong.status_code == 400
        assert "not for this login" in wrong.text
    assert client.get("/login").status_code == 200  # not logged in


def test_an_id_token_with_another_nonce_is_refused(client: TestClient, provider: Provider) -> None:
    sent = start(client, provider)
    provider.codes["code-3"] = (sent["code_challenge"], "another-login")
    answer = client.get("/login/oidc/callback", params={"code": "code-3", "state": sent["state"]})
    assert answer.status_code == 400
    assert "nonce" in answer.text


def test_a_code_issued_for_another_verifier_is_refused(
    client: TestClient, provider: Provider
) -> None:
    sent = start(client, provider)
    other = base64.urlsafe_b64encode(hashlib.sha256(b"x").digest()).rstrip(b"=").decode()
    provider.codes["code-4"] = (other, sent["nonce"])
    answer = client.get("/login/oidc/callback", params={"code": "code-4", "state": sent["state"]})
    assert answer.status_code == 400
    assert "refused the login code" in answer.text


def test_a_callback_with_no_login_under_way_is_refused(client: TestClient) -> None:
    answer = client.get("/login/oidc/callback", params={"code": "c", "state": "s"})
    assert answer.status_code == 400
    assert "No login is under way" in answer.text


def test_an_http_provider_off_loopback_is_refused() -> None:
    with pytest.raises(ValueError, match="https"):
        OidcSettings(issuer=AnyHttpUrl("http://id.example.org"), client_id=CLIENT_ID)


def test_without_a_provider_the_route_is_a_404() -> None:
    with TestClient(create_app(ConsoleSettings(), OidcSettings())) as client:
        assert client.get("/login/oidc").status_code == 404
        assert "/login/oidc" not in client.get("/login").text
