"""OIDC mode: RS256 and ES256 tokens checked against a provider's JWKS, served here by a real
HTTP server on 127.0.0.1 with keys made by `cryptography`; HS256 and `none` never pass."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from peerlink_shared.security.auth import (
    InvalidToken,
    Principal,
    Role,
    TokenKeysUnavailable,
    TokenVerifier,
    audience_of,
)
from peerlink_shared.security.auth_settings import TokenSettings
from pydantic import ValidationError

ISSUER = "https://id.example.org/realms/peerlink"
AUDIENCE = audience_of("eligibility")
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
STRANGER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


JWKS = {
    "keys": [
        {**RSAAlgorithm.to_jwk(RSA_KEY.public_key(), as_dict=True), "kid": "rsa-1", "use": "sig"},
        {**ECAlgorithm.to_jwk(EC_KEY.public_key(), as_dict=True), "kid": "ec-1", "use": "sig"},
    ]
}


@dataclass
class Provider:
    url: str
    requests: list[str]


class JwksHandler(BaseHTTPRequestHandler):
    requests: list[str]

    def do_GET(self) -> None:
        self.requests.append(self.path)
        body = json.dumps(JWKS).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    requests: list[str] = []
    handler = type("Handler", (JwksHandler,), {"requests": requests})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Provider(f"http://127.0.0.1:{server.server_address[1]}/certs", requests)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def oidc_settings(jwks_url: str, **changes: object) -> TokenSettings:
    fields: dict[str, object] = {
        "token_mode": "oidc",
        "token_issuer": ISSUER,
        "token_jwks_url": jwks_url,
        **changes,
    }
    return TokenSettings.model_validate(fields)


@pytest.fixture
def verifier(provider: Provider) -> TokenVerifier:
    return oidc_settings(provider.url).token_verifier(audience=AUDIENCE)


def claims(**changes: object) -> dict[str, object]:
    now = datetime.now(UTC)
    base: dict[str, object] = {
        "iss": ISSUER,
        "aud": [AUDIENCE, "account"],
        "sub": "2f1c7e0a-staff",
        "centre": "north-house",
        "role": "coordinator",
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
    }
    base.update(changes)
    return base


def signed(key: object, algorithm: str, kid: str, **changes: object) -> str:
    return jwt.encode(claims(**changes), key, algorithm=algorithm, headers={"kid": kid})  # type: ignore[arg-type]


def refused(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(InvalidToken) as refusal:
        verifier.verify(token)
    return str(refusal.value)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_an_rs256_token_from_the_provider_is_accepted(
    verifier: TokenVerifier, provider: Provider
) -> None:
    principal = verifier.verify(signed(RSA_KEY, "RS256", "rsa-1"))
    assert principal == Principal(
        subject="2f1c7e0a-staff", centre="north-house", role=Role.COORDINATOR
    )
    assert "/certs" in provider.requests


def test_an_es256_token_from_the_provider_is_accepted(verifier: TokenVerifier) -> None:
    principal = verifier.verify(signed(EC_KEY, "ES256", "ec-1", role="ops", centre="*"))
    assert principal.spans_network


def test_an_hs256_token_is_refused_in_oidc_mode(verifier: TokenVerifier) -> None:
    assert "algorithm" in refused(verifier, signed("s" * 40, "HS256", "rsa-1"))


def test_an_hs256_token_keyed_with_the_public_key_is_refused(verifier: TokenVerifier) -> None:
    """The classic confusion: the provider's public key, which anyone can fetch, used as an
    HMAC secret by a verifier that trusts the token's own `alg`."""
    public_pem = RSA_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}).encode())
    payload = b64(json.dumps(claims(role="ops", centre="*")).encode())
    mac = hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    assert "algorithm" in refused(verifier, f"{header}.{payload}.{b64(mac)}")


def test_alg_none_is_refused_in_oidc_mode(verifier: TokenVerifier) -> None:
    unsigned = jwt.encode(claims(), "", algorithm="none", headers={"kid": "rsa-1"})
    assert "algorithm" in refused(verifier, unsigned)


def test_a_token_whose_alg_does_not_match_its_key_is_refused(verifier: TokenVerifier) -> None:
    assert "algorithm" in refused(verifier, signed(EC_KEY, "ES256", "rsa-1"))


def test_a_key_id_the_provider_does_not_publish_is_refused(verifier: TokenVerifier) -> None:
    assert "kid" in refused(verifier, signed(STRANGER_KEY, "RS256", "rsa-unknown"))


def test_a_stranger_signing_under_a_published_key_id_is_refused(verifier: TokenVerifier) -> None:
    assert "signature" in refused(verifier, signed(STRANGER_KEY, "RS256", "rsa-1"))


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"aud": audience_of("scheduling")}, "(aud)"),
        ({"iss": "https://id.example.org/realms/other"}, "(iss)"),
        ({"centre": "*"}, "only for the ops role"),
        ({"exp": int(datetime.now(UTC).timestamp()) + 13 * 3600}, "lives longer"),
        (
            {
                "iat": int(datetime.now(UTC).timestamp()) - 3600,
                "exp": int(datetime.now(UTC).timestamp()) - 120,
            },
            "expired",
        ),
    ],
)
def test_the_rules_hold_for_provider_tokens(
    verifier: TokenVerifier, changes: dict[str, object], says: str
) -> None:
    assert says in refused(verifier, signed(RSA_KEY, "RS256", "rsa-1", **changes))


def test_centre_and_role_may_come_from_provider_specific_claims(provider: Provider) -> None:
    verifier = oidc_settings(
        provider.url,
        token_centre_claim="https://peerlink.example/centre",
        token_role_claim="realm_access.roles",
    ).token_verifier(audience=AUDIENCE)
    token = signed(
        RSA_KEY,
        "RS256",
        "rsa-1",
        centre=None,
        role=None,
        **{
            "https://peerlink.example/centre": "south-house",
            "realm_access": {"roles": ["offline_access", "supporter"]},
        },
    )
    assert verifier.verify(token) == Principal(
        subject="2f1c7e0a-staff", centre="south-house", role=Role.SUPPORTER
    )
    two_roles = signed(
        RSA_KEY,
        "RS256",
        "rsa-1",
        **{
            "https://peerlink.example/centre": "south-house",
            "realm_access": {"roles": ["supporter", "ops"]},
        },
    )
    assert "exactly one" in refused(verifier, two_roles)


def test_an_unreachable_provider_is_not_the_callers_fault() -> None:
    verifier = oidc_settings("http://127.0.0.1:9/certs").token_verifier(audience=AUDIENCE)
    with pytest.raises(TokenKeysUnavailable):
        verifier.verify(signed(RSA_KEY, "RS256", "rsa-1"))


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"token_jwks_url": None}, "PEERLINK_TOKEN_JWKS_URL is required"),
        ({"token_issuer": "peerlink-local"}, "PEERLINK_TOKEN_ISSUER"),
        ({"token_jwks_url": "http://id.example.org/certs"}, "must be https"),
        ({"token_algorithms": ["HS256"]}, "token_algorithms"),
    ],
)
def test_oidc_settings_refuse_an_unsafe_or_incomplete_provider(
    changes: dict[str, object], says: str
) -> None:
    with pytest.raises(ValidationError, match=says.replace("(", r"\(")):
        oidc_settings("https://id.example.org/certs", **changes)
