"""The console's settings (PEERLINK_CONSOLE_*): where the services are, how people log in."""

from __future__ import annotations

from typing import Self

from peerlink_shared.security.auth_settings import is_loopback
from pydantic import AnyHttpUrl, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICES = ("intake", "eligibility", "scheduling", "notifications")


class OidcSettings(BaseSettings):
    """Production login: authorization code with PKCE against the organisation's provider.
    The access token it returns is the one the services verify (PEERLINK_TOKEN_MODE=oidc)."""

    model_config = SettingsConfigDict(
        env_prefix="PEERLINK_CONSOLE_OIDC_",
        extra="ignore",
        hide_input_in_errors=True,
        env_ignore_empty=True,
    )

    issuer: AnyHttpUrl | None = Field(
        default=None, description="The provider; its /.well-known/openid-configuration is read."
    )
    client_id: str | None = None
    client_secret: SecretStr | None = Field(
        default=None, description="Only for a confidential client; PKCE is used either way."
    )
    scopes: str = "openid"
    centre_claim: str = Field(default="centre", min_length=1)
    role_claim: str = Field(default="role", min_length=1)

    @property
    def enabled(self) -> bool:
        return self.issuer is not None and self.client_id is not None

    @model_validator(mode="after")
    def https_provider(self) -> Self:
        if (
            self.issuer is not None
            and self.issuer.scheme != "https"
            and not is_loopback(self.issuer.host)
        ):
            raise ValueError("PEERLINK_CONSOLE_OIDC_ISSUER must be https (http only to loopback)")
        return self


class ConsoleSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PEERLINK_CONSOLE_", extra="ignore", hide_input_in_errors=True
    )

    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8100, ge=1, le=65535)
    public_url: AnyHttpUrl = Field(
        default=AnyHttpUrl("http://127.0.0.1:8100"),
        description="Where people reach the console; https makes the cookie Secure, and the "
        "OIDC redirect is <public_url>/login/oidc/callback.",
    )
    intake_url: AnyHttpUrl = AnyHttpUrl("http://127.0.0.1:8101")
    eligibility_url: AnyHttpUrl = AnyHttpUrl("http://127.0.0.1:8102")
    scheduling_url: AnyHttpUrl = AnyHttpUrl("http://127.0.0.1:8103")
    notifications_url: AnyHttpUrl = AnyHttpUrl("http://127.0.0.1:8104")
    allow_minting: bool = Field(
        default=False,
        description="Local mode only: offer a form that signs a token with the local secret "
        "(PEERLINK_TOKEN_SECRET). Never in production: whoever reaches the page could mint.",
    )
    ops_kafka: bool = Field(
        default=False,
        description="The ops pages (lag, dead letters, replay): the console logs in to Kafka "
        "as the `ops` principal (PEERLINK_KAFKA_*) and checks ops tokens with PEERLINK_TOKEN_* "
        "as the services do.",
    )
    trace_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^\s{}]*\{trace_id\}[^\s{}]*$",
        description="A trace viewer's page for one trace, with `{trace_id}` where the id goes "
        "(Jaeger: http://jaeger:16686/trace/{trace_id}). Set: decisions and bookings link to "
        "the trace that wrote them.",
    )
    session_hours: float = Field(default=8.0, gt=0, le=24)
    service_timeout_seconds: float = Field(default=10.0, gt=0, le=60)

    @property
    def secure_cookie(self) -> bool:
        return self.public_url.scheme == "https"

    def service_url(self, service: str) -> str:
        urls = {
            "intake": self.intake_url,
            "eligibility": self.eligibility_url,
            "scheduling": self.scheduling_url,
            "notifications": self.notifications_url,
        }
        return str(urls[service]).rstrip("/")


class TopicSettings(BaseSettings):
    """The topic prefix, read as every service and CLI reads it (PEERLINK_TOPIC_PREFIX)."""

    model_config = SettingsConfigDict(env_prefix="PEERLINK_", extra="ignore")

    topic_prefix: str = ""
