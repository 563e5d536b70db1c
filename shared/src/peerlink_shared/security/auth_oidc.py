"""Production mode: tokens from an OpenID Connect provider, checked against its JWKS.

Only asymmetric algorithms are accepted here (RS256, ES256), and each key is used only with
its own algorithm, so an HS256 token "signed" with a public key (algorithm confusion) or an
`alg: none` token is refused before any key is fetched.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import jwt

from peerlink_shared.clock import Clock
from peerlink_shared.security.auth import (
    InvalidToken,
    Principal,
    Role,
    TokenKeysUnavailable,
    TokenRules,
    check_times,
    decode_signed,
    principal_of,
    unverified_header,
)

OIDC_ALGORITHMS = ("RS256", "ES256")


@dataclass(frozen=True)
class ClaimPaths:
    """Where the provider puts PeerLink's centre and role: a claim name, or a dotted path
    into nested claims (`realm_access.roles`); a role claim may be a list of roles."""

    centre: str = "centre"
    role: str = "role"


class OidcTokenVerifier:
    def __init__(
        self,
        *,
        jwks: jwt.PyJWKClient,
        rules: TokenRules,
        algorithms: Sequence[str] = OIDC_ALGORITHMS,
        claims: ClaimPaths = ClaimPaths(),
        clock: Clock,
    ) -> None:
        if not algorithms or not set(algorithms) <= set(OIDC_ALGORITHMS):
            raise ValueError(f"OIDC tokens are checked with {', '.join(OIDC_ALGORITHMS)} only")
        self._jwks = jwks
        self._rules = rules
        self._algorithms = list(algorithms)
        self._claims = claims
        self._clock = clock

    def verify(self, token: str) -> Principal:
        _, kid = unverified_header(token, algorithms=self._algorithms)
        key = self._signing_key(kid)
        claims = decode_signed(token, key, algorithms=self._algorithms, rules=self._rules)
        check_times(claims, now=self._clock.now(), rules=self._rules)
        return principal_of(
            claims.get("sub"),
            claim_at(claims, self._claims.centre),
            one_role(claim_at(claims, self._claims.role)),
        )

    def _signing_key(self, kid: str) -> jwt.PyJWK:
        try:
            return self._jwks.get_signing_key(kid)
        except (jwt.PyJWKClientConnectionError, jwt.PyJWKSetError, json.JSONDecodeError) as error:
            raise TokenKeysUnavailable(
                "the identity provider's keys (JWKS) could not be fetched"
            ) from error
        except jwt.PyJWKClientError as error:
            raise InvalidToken(
                "the token's key id (kid) is not one of the provider's keys"
            ) from error


def claim_at(claims: Mapping[str, object], path: str) -> object:
    """The claim named `path`, else the one its dots lead to; None when absent. A whole name
    is tried first, as providers namespace claims with URLs (`https://x.org/centre`)."""
    if path in claims:
        return claims[path]
    value: object = claims
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def one_role(value: object) -> object:
    """A role claim that lists roles must hold exactly one PeerLink role among them."""
    if not isinstance(value, list):
        return value
    roles = {
        item
        for item in value
        if isinstance(item, str) and item in {member.value for member in Role}
    }
    if len(roles) != 1:
        raise InvalidToken("the role claim does not hold exactly one PeerLink role")
    return roles.pop()
