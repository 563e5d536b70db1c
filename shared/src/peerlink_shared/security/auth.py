"""Who a bearer token speaks for, and the rules every token meets whoever signed it.

A token names a subject, a centre (or `*`, every centre, for the ops role only), a role,
its issuer (`iss`), the services it is meant for (`aud`) and a bounded lifetime (`iat`,
`exp`). The signature is checked by a verifier: `auth_local` (HS256 secrets by key id) or
`auth_oidc` (an OpenID Connect provider's JWKS); both end here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

import jwt

from peerlink_shared.contracts.base import OPAQUE_ID_PATTERN

ALL_CENTRES = "*"
SERVICES = ("intake", "eligibility", "scheduling", "notifications")
MAX_SUBJECT_LENGTH = 256
REQUIRED_CLAIMS = ["iss", "aud", "sub", "iat", "exp"]


def audience_of(service: str) -> str:
    """The `aud` a service accepts: `peerlink-intake`, `peerlink-eligibility`, ..."""
    return f"peerlink-{service}"


ALL_AUDIENCES = tuple(audience_of(service) for service in SERVICES)


class Role(StrEnum):
    COORDINATOR = "coordinator"
    SUPPORTER = "supporter"
    CLINIC_SYSTEM = "clinic_system"
    OPS = "ops"


class InvalidToken(Exception):
    """The token is refused; the message is a fixed reason, safe to show the caller."""


class TokenKeysUnavailable(Exception):
    """The keys to check a token with could not be fetched (the OIDC provider is down)."""


@dataclass(frozen=True)
class Principal:
    subject: str
    centre: str
    role: Role

    def __post_init__(self) -> None:
        if self.centre == ALL_CENTRES and self.role is not Role.OPS:
            raise InvalidToken("a token for every centre (*) is only for the ops role")

    @property
    def spans_network(self) -> bool:
        """An ops token for every centre: acting on a person's data with it is break-glass,
        which the audit trail records with its reason."""
        return self.centre == ALL_CENTRES

    def may_act_for(self, centre_id: str) -> bool:
        return self.centre in (ALL_CENTRES, centre_id)


@dataclass(frozen=True)
class TokenRules:
    """What every accepted token must say and how long it may live, whoever signed it."""

    issuer: str
    audience: str
    max_lifetime: timedelta = timedelta(hours=12)
    leeway: timedelta = timedelta(seconds=60)


class TokenVerifier(Protocol):
    def verify(self, token: str) -> Principal:
        """The token's principal; raises InvalidToken, or TokenKeysUnavailable."""
        ...


def principal_of(subject: object, centre: object, role: object) -> Principal:
    if not isinstance(subject, str) or not 0 < len(subject) <= MAX_SUBJECT_LENGTH:
        raise InvalidToken("the subject (sub) is not a short non-empty string")
    if not isinstance(centre, str) or not (
        centre == ALL_CENTRES or re.fullmatch(OPAQUE_ID_PATTERN, centre)
    ):
        raise InvalidToken("the centre claim is not a centre id or *")
    if not isinstance(role, str) or role not in {member.value for member in Role}:
        raise InvalidToken("the role claim is not a PeerLink role")
    return Principal(subject=subject, centre=centre, role=Role(role))


def check_times(claims: Mapping[str, object], *, now: datetime, rules: TokenRules) -> None:
    """Refuse a token issued in the future, expired, or living longer than the rules allow;
    `leeway` absorbs clock skew between the issuer and this service."""
    issued, expires = _numeric_date(claims, "iat"), _numeric_date(claims, "exp")
    at, leeway = now.timestamp(), rules.leeway.total_seconds()
    if issued > at + leeway:
        raise InvalidToken("the token is issued in the future (iat)")
    if expires <= issued:
        raise InvalidToken("the token expires before it is issued")
    if expires - issued > rules.max_lifetime.total_seconds():
        raise InvalidToken(
            f"the token lives longer than the {rules.max_lifetime.total_seconds():.0f} s "
            "maximum (exp - iat)"
        )
    if expires <= at - leeway:
        raise InvalidToken("the token has expired")
    if "nbf" in claims and _numeric_date(claims, "nbf") > at + leeway:
        raise InvalidToken("the token is not valid yet (nbf)")


def _numeric_date(claims: Mapping[str, object], name: str) -> float:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidToken(f"the {name} claim is not a number of seconds")
    return float(value)


def decode_signed(
    token: str, key: str | jwt.PyJWK, *, algorithms: list[str], rules: TokenRules
) -> dict[str, object]:
    """The claims, once the signature, issuer and audience check out; times are checked by
    `check_times` against an injected clock, so PyJWT's own time checks are off."""
    try:
        claims: dict[str, object] = jwt.decode(
            token,
            key,
            algorithms=algorithms,
            audience=rules.audience,
            issuer=rules.issuer,
            options={
                "require": REQUIRED_CLAIMS,
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
    except jwt.PyJWTError as error:
        raise InvalidToken(reason_for(error)) from error
    return claims


def unverified_header(token: str, *, algorithms: list[str]) -> tuple[str, str]:
    """(alg, kid) from the token's header, refused before any key is looked up unless the
    algorithm is one this verifier accepts (`none` never is) and a key id is named."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise InvalidToken("the token is malformed") from error
    alg, kid = header.get("alg"), header.get("kid")
    if not isinstance(alg, str) or alg not in algorithms:
        raise InvalidToken("the token is signed with an algorithm this service does not accept")
    if not isinstance(kid, str) or not kid:
        raise InvalidToken("the token names no key id (kid)")
    return alg, kid


def reason_for(error: jwt.PyJWTError) -> str:
    """A fixed reason for the caller: PyJWT's own messages may quote token contents."""
    if isinstance(error, jwt.MissingRequiredClaimError):
        return f"the token has no {error.claim} claim"
    if isinstance(error, jwt.InvalidAudienceError):
        return "the token is not meant for this service (aud)"
    if isinstance(error, jwt.InvalidIssuerError):
        return "the token is from an issuer this service does not trust (iss)"
    if isinstance(error, jwt.InvalidAlgorithmError):
        return "the token is signed with an algorithm this service does not accept"
    if isinstance(error, jwt.InvalidSignatureError):
        return "the token's signature does not verify"
    if isinstance(error, jwt.DecodeError):
        return "the token is malformed"
    return "the token is invalid"
