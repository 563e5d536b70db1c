"""OpenID Connect login: authorization code with PKCE (RFC 7636, S256).

The provider's access token is what the console relays to the services, which verify it
against the provider's keys (PEERLINK_TOKEN_MODE=oidc). The ID token is checked here (its
signature, issuer, audience and the nonce this login sent) so a token issued to another
login cannot be slipped into this one.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx
import jwt
from peerlink_shared.security.auth import InvalidToken

from peerlink_console.sessions import PendingLogin
from peerlink_console.settings import OidcSettings

CALLBACK_PATH = "/login/oidc/callback"


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


def code_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_login() -> PendingLogin:
    return PendingLogin(
        state=secrets.token_urlsafe(24),
        nonce=secrets.token_urlsafe(24),
        code_verifier=secrets.token_urlsafe(64),
    )


def authorization_url(
    metadata: ProviderMetadata, settings: OidcSettings, pending: PendingLogin, *, redirect_uri: str
) -> str:
    query = {
        "response_type": "code",
        "client_id": settings.client_id or "",
        "redirect_uri": redirect_uri,
        "scope": settings.scopes,
        "state": pending.state,
        "nonce": pending.nonce,
        "code_challenge": code_challenge(pending.code_verifier),
        "code_challenge_method": "S256",
    }
    return f"{metadata.authorization_endpoint}?{urlencode(query)}"


async def discover(client: httpx.AsyncClient, settings: OidcSettings) -> ProviderMetadata:
    issuer = str(settings.issuer).rstrip("/")
    response = await client.get(f"{issuer}/.well-known/openid-configuration")
    response.raise_for_status()
    document = response.json()
    metadata = ProviderMetadata(
        issuer=str(document["issuer"]),
        authorization_endpoint=str(document["authorization_endpoint"]),
        token_endpoint=str(document["token_endpoint"]),
        jwks_uri=str(document["jwks_uri"]),
    )
    if metadata.issuer.rstrip("/") != issuer:
        raise InvalidToken("the provider names another issuer than the one configured")
    return metadata


async def exchange_code(
    client: httpx.AsyncClient,
    metadata: ProviderMetadata,
    settings: OidcSettings,
    pending: PendingLogin,
    *,
    code: str,
    redirect_uri: str,
) -> str:
    """Trades the code for tokens; returns the access token once the ID token checks out."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": settings.client_id or "",
        "code_verifier": pending.code_verifier,
    }
    if settings.client_secret is not None:
        form["client_secret"] = settings.client_secret.get_secret_value()
    response = await client.post(metadata.token_endpoint, data=form)
    if response.status_code != 200:
        raise InvalidToken("the provider refused the login code")
    tokens = response.json()
    access_token, id_token = tokens.get("access_token"), tokens.get("id_token")
    if not isinstance(access_token, str) or not isinstance(id_token, str):
        raise InvalidToken("the provider sent no access token or ID token")
    keys = jwt.PyJWKClient(metadata.jwks_uri)
    try:
        # PyJWKClient fetches with urllib: off the event loop.
        signing_key = await asyncio.to_thread(keys.get_signing_key_from_jwt, id_token)
        claims = jwt.decode(
            id_token,
            signing_key.key,
            algorithms=["RS256", "ES256"],
            audience=settings.client_id,
            issuer=metadata.issuer,
        )
    except jwt.PyJWTError as error:
        raise InvalidToken("the ID token does not check out") from error
    if not secrets.compare_digest(str(claims.get("nonce", "")).encode(), pending.nonce.encode()):
        raise InvalidToken("the ID token is for another login (nonce)")
    return access_token
