"""Token settings (PEERLINK_TOKEN_*): the mode, its keys or provider, and the rules.

Read by every service (through ServiceSettings) and by `peerlink-token`. Secrets are
SecretStr and errors never quote input, so no secret reaches a log or a settings dump.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import timedelta
from typing import Literal, Self

import jwt
from pydantic import AnyHttpUrl, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from peerlink_shared.clock import Clock, SystemClock
from peerlink_shared.contracts.base import OPAQUE_ID_PATTERN
from peerlink_shared.security.auth import TokenRules, TokenVerifier
from peerlink_shared.security.auth_local import (
    DEFAULT_KID,
    LOCAL_ISSUER,
    LocalTokenVerifier,
    SigningKeys,
)
from peerlink_shared.security.auth_oidc import ClaimPaths, OidcTokenVerifier

PLACEHOLDER_SECRETS = {"changeme", "change-me", "secret", "password", "todo"}
MIN_SECRET_LENGTH = 32
JWKS_TIMEOUT_SECONDS = 5.0
LOOPBACK_NAMES = {"localhost"}


def refuse_weak(secret: SecretStr, *, name: str) -> None:
    value = secret.get_secret_value()
    if value.lower() in PLACEHOLDER_SECRETS or len(value) < MIN_SECRET_LENGTH:
        raise ValueError(
            f"{name} must be a random value of at least {MIN_SECRET_LENGTH} characters, "
            "not a placeholder"
        )


class TokenSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PEERLINK_", extra="ignore", hide_input_in_errors=True
    )

    token_mode: Literal["local", "oidc"] = Field(
        default="local",
        description="local: HS256 secrets by key id; oidc: an OpenID Connect provider's JWKS.",
    )
    token_secret: SecretStr | None = Field(
        default=None, description="One HS256 secret (local mode), under PEERLINK_TOKEN_SECRET_KID."
    )
    token_secret_kid: str = Field(default=DEFAULT_KID, pattern=OPAQUE_ID_PATTERN)
    token_keys: dict[str, SecretStr] = Field(
        default_factory=dict,
        description='More HS256 secrets as JSON {"kid": "secret"}, oldest first (local mode).',
    )
    token_signing_kid: str | None = Field(
        default=None, description="The key new tokens are signed with; default the newest."
    )
    token_issuer: str = Field(
        default=LOCAL_ISSUER, min_length=1, description="The `iss` every token must carry."
    )
    token_max_lifetime_seconds: int = Field(default=12 * 3600, ge=60, le=7 * 24 * 3600)
    token_leeway_seconds: int = Field(default=60, ge=0, le=600)
    token_jwks_url: AnyHttpUrl | None = Field(
        default=None, description="The provider's JWKS (oidc mode); https, or http to loopback."
    )
    token_jwks_cache_seconds: float = Field(default=300.0, gt=0)
    token_algorithms: tuple[Literal["RS256", "ES256"], ...] = Field(
        default=("RS256", "ES256"), min_length=1
    )
    token_centre_claim: str = Field(default="centre", min_length=1)
    token_role_claim: str = Field(default="role", min_length=1)

    @field_validator("token_secret")
    @classmethod
    def refuse_placeholder_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            refuse_weak(value, name="PEERLINK_TOKEN_SECRET")
        return value

    @field_validator("token_keys")
    @classmethod
    def refuse_placeholder_keys(cls, value: dict[str, SecretStr]) -> dict[str, SecretStr]:
        for kid, secret in value.items():
            if not re.fullmatch(OPAQUE_ID_PATTERN, kid):
                raise ValueError("PEERLINK_TOKEN_KEYS: a key id is letters, digits, - and _")
            refuse_weak(secret, name=f"PEERLINK_TOKEN_KEYS[{kid}]")
        return value

    @model_validator(mode="after")
    def mode_is_complete(self) -> Self:
        if self.token_mode == "local":
            self.signing_keys()
        elif self.token_jwks_url is None:
            raise ValueError("PEERLINK_TOKEN_JWKS_URL is required in oidc token mode")
        elif self.token_issuer == LOCAL_ISSUER:
            raise ValueError("PEERLINK_TOKEN_ISSUER must name the provider in oidc token mode")
        elif self.token_jwks_url.scheme != "https" and not is_loopback(self.token_jwks_url.host):
            raise ValueError("PEERLINK_TOKEN_JWKS_URL must be https (http only to loopback)")
        return self

    def signing_keys(self) -> SigningKeys:
        """PEERLINK_TOKEN_SECRET (the oldest) and PEERLINK_TOKEN_KEYS, in order."""
        keys = dict(self.token_keys)
        if self.token_secret is not None:
            if self.token_secret_kid in keys:
                raise ValueError(
                    "PEERLINK_TOKEN_SECRET_KID is also a key id in PEERLINK_TOKEN_KEYS"
                )
            keys = {self.token_secret_kid: self.token_secret, **keys}
        if not keys:
            raise ValueError(
                "PEERLINK_TOKEN_SECRET or PEERLINK_TOKEN_KEYS is required in local mode"
            )
        signing = self.token_signing_kid or list(keys)[-1]
        if signing not in keys:
            raise ValueError("PEERLINK_TOKEN_SIGNING_KID is not one of the key ids")
        return SigningKeys(by_kid=keys, signing_kid=signing)

    def token_rules(self, *, audience: str) -> TokenRules:
        return TokenRules(
            issuer=self.token_issuer,
            audience=audience,
            max_lifetime=timedelta(seconds=self.token_max_lifetime_seconds),
            leeway=timedelta(seconds=self.token_leeway_seconds),
        )

    def token_verifier(self, *, audience: str, clock: Clock | None = None) -> TokenVerifier:
        """Tokens are checked against real time, never a demo's shifted service clock."""
        rules, clock = self.token_rules(audience=audience), clock or SystemClock()
        if self.token_mode == "local":
            return LocalTokenVerifier(keys=self.signing_keys(), rules=rules, clock=clock)
        assert self.token_jwks_url is not None  # the mode's validator requires it
        jwks = jwt.PyJWKClient(
            str(self.token_jwks_url),
            lifespan=self.token_jwks_cache_seconds,
            timeout=JWKS_TIMEOUT_SECONDS,
        )
        return OidcTokenVerifier(
            jwks=jwks,
            rules=rules,
            algorithms=self.token_algorithms,
            claims=ClaimPaths(centre=self.token_centre_claim, role=self.token_role_claim),
            clock=clock,
        )


def is_loopback(host: str | None) -> bool:
    if host is None:
        return False
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
