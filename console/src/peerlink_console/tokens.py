"""Reading who a token is for, and minting one in local mode."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Unpack

import jwt
from peerlink_shared.security.auth import ALL_AUDIENCES, InvalidToken, principal_of
from peerlink_shared.security.auth_local import Grant, issue_token
from peerlink_shared.security.auth_oidc import claim_at, one_role
from peerlink_shared.security.auth_settings import TokenSettings

from peerlink_console.sessions import User

MAX_TOKEN_LENGTH = 8192


def user_of(
    token: str, *, now: datetime, centre_claim: str = "centre", role_claim: str = "role"
) -> User:
    """Who the token names, read without checking its signature: the console only shows and
    routes by it; every service checks the whole token on every call. Refuses a token that is
    not a JWT, names no PeerLink principal, or has expired (InvalidToken, a fixed phrase)."""
    token = token.strip()
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidToken("the token is empty or too long")
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as error:
        raise InvalidToken("this is not a JSON Web Token") from error
    principal = principal_of(
        claims.get("sub"), claim_at(claims, centre_claim), one_role(claim_at(claims, role_claim))
    )
    expires = claims.get("exp")
    if not isinstance(expires, int | float) or isinstance(expires, bool):
        raise InvalidToken("the token has no expiry (exp)")
    expires_at = datetime.fromtimestamp(expires, UTC)
    if expires_at <= now:
        raise InvalidToken("the token has expired")
    return User(
        subject=principal.subject,
        centre=principal.centre,
        role=principal.role,
        token=token,
        expires_at=expires_at,
    )


def mint(settings: TokenSettings, **grant: Unpack[Grant]) -> str:
    """A token every service accepts, signed with the local secret (local mode only)."""
    if settings.token_mode != "local":
        raise InvalidToken("tokens can be minted in local mode only")
    return issue_token(
        key=settings.signing_keys().signing,
        issuer=settings.token_issuer,
        audiences=ALL_AUDIENCES,
        **grant,
    )
