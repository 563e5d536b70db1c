"""HS256 tokens for local use (demo, tests, a single site): shared secrets chosen by key id,
so a new secret can be added, used, and the old one retired without a moment of refusal."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypedDict, Unpack

import jwt
from pydantic import SecretStr

from peerlink_shared.clock import Clock
from peerlink_shared.security.auth import (
    InvalidToken,
    Principal,
    Role,
    TokenRules,
    check_times,
    decode_signed,
    principal_of,
    unverified_header,
)

HS256 = "HS256"
LOCAL_ISSUER = "peerlink-local"
DEFAULT_KID = "default"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    secret: SecretStr


@dataclass(frozen=True)
class SigningKeys:
    """The active secrets by key id; `signing_kid` names the one new tokens are signed with."""

    by_kid: Mapping[str, SecretStr]
    signing_kid: str

    def __post_init__(self) -> None:
        if self.signing_kid not in self.by_kid:
            raise ValueError(f"the signing key id {self.signing_kid!r} is not an active key")

    @property
    def signing(self) -> SigningKey:
        return SigningKey(self.signing_kid, self.by_kid[self.signing_kid])

    def find(self, kid: str) -> SigningKey | None:
        secret = self.by_kid.get(kid)
        return None if secret is None else SigningKey(kid, secret)


def local_key(secret: str, *, kid: str = DEFAULT_KID) -> SigningKey:
    """The key a service started with PEERLINK_TOKEN_SECRET=`secret` (and no kid) checks."""
    return SigningKey(kid, SecretStr(secret))


class Grant(TypedDict):
    """Whom a token speaks for (a subject, their centre and role), from `now` for `ttl`."""

    subject: str
    centre: str
    role: Role
    now: datetime
    ttl: timedelta


def issue_token(
    *, key: SigningKey, issuer: str, audiences: Sequence[str], **grant: Unpack[Grant]
) -> str:
    """A signed token; refuses (InvalidToken) a `*` token for any role but ops."""
    subject, centre, role, now = grant["subject"], grant["centre"], grant["role"], grant["now"]
    Principal(subject=subject, centre=centre, role=role)
    if not audiences:
        raise ValueError("a token names at least one audience")
    claims = {
        "iss": issuer,
        "aud": list(audiences),
        "sub": subject,
        "centre": centre,
        "role": role.value,
        "iat": int(now.timestamp()),
        "exp": int((now + grant["ttl"]).timestamp()),
    }
    return jwt.encode(
        claims, key.secret.get_secret_value(), algorithm=HS256, headers={"kid": key.kid}
    )


class LocalTokenVerifier:
    """Accepts HS256 tokens signed by any active key, picked by the token's `kid`; never an
    RS/ES token (the secret is not a public key) and never `alg: none`."""

    def __init__(self, *, keys: SigningKeys, rules: TokenRules, clock: Clock) -> None:
        self._keys = keys
        self._rules = rules
        self._clock = clock

    def verify(self, token: str) -> Principal:
        _, kid = unverified_header(token, algorithms=[HS256])
        key = self._keys.find(kid)
        if key is None:
            raise InvalidToken("the token's key id (kid) is not an active key")
        claims = decode_signed(
            token, key.secret.get_secret_value(), algorithms=[HS256], rules=self._rules
        )
        check_times(claims, now=self._clock.now(), rules=self._rules)
        return principal_of(claims.get("sub"), claims.get("centre"), claims.get("role"))
