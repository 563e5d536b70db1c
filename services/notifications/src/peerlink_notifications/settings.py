from __future__ import annotations

from datetime import timedelta
from typing import Self

from peerlink_shared.settings import ServiceSettings
from peerlink_shared.storage.retention import Expiry
from pydantic import AnyHttpUrl, Field, FilePath, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from peerlink_notifications.adapters.smtp import SmtpTls


class NotificationsSettings(ServiceSettings):
    # A refused setting's error would otherwise quote every input, passwords included.
    model_config = SettingsConfigDict(hide_input_in_errors=True)

    mongo_database: str = "peerlink_notifications"
    consumer_group: str = "peerlink-notifications"
    token_audience: str = "peerlink-notifications"
    http_port: int = 8104

    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_from: str = "PeerLink <no-reply@peerlink.invalid>"
    smtp_tls: SmtpTls = Field(
        default="opportunistic",
        description="opportunistic: STARTTLS when the relay offers it (a local relay, no "
        "credentials); starttls: STARTTLS required; implicit: TLS from connect (port 465).",
    )
    smtp_username: str | None = Field(default=None, min_length=1)
    smtp_password: SecretStr | None = None
    smtp_ca_file: FilePath | None = Field(
        default=None, description="A CA bundle for the relay's certificate, if not public."
    )
    webhook_allow_insecure_local: bool = Field(
        default=False,
        description="Lets webhooks reach receivers on loopback (127.0.0.0/8, ::1), over "
        "plain http too: for local development and tests only. Every other internal "
        "address stays refused, and any other receiver needs https.",
    )
    sms_provider_url: AnyHttpUrl | None = Field(
        default=None, description="A webhook-style SMS provider: POST {to, text} as JSON."
    )
    delivery_max_attempts: int = Field(default=6, ge=1, le=20)
    delivery_base_delay_seconds: float = Field(default=30.0, gt=0)
    delivery_max_delay_seconds: float = Field(default=3600.0, gt=0)
    delivery_poll_seconds: float = Field(default=1.0, gt=0)
    delivery_send_timeout_seconds: float = Field(default=10.0, gt=0)
    delivery_claim_lease_seconds: float = Field(
        default=120.0,
        gt=0,
        description="After this long, an attempt whose claimer never recorded it is "
        "taken as lost (the claimer died) and the next attempt may be claimed.",
    )

    message_retention_days: int = Field(
        default=180,
        ge=7,
        le=3650,
        description="How long the message log keeps a message (what was said to whom).",
    )
    delivery_retention_days: int = Field(
        default=180,
        ge=7,
        le=3650,
        description="How long a delivery (its channel, text and attempts) and its claims are "
        "kept; at least a week, far past the last retry.",
    )

    def notification_expiries(self) -> list[Expiry]:
        """What this service's own stores keep, and for how long."""
        deliveries = timedelta(days=self.delivery_retention_days)
        return [
            Expiry("messages", "created_at", timedelta(days=self.message_retention_days)),
            Expiry("deliveries", "created_at", deliveries),
            Expiry("delivery_claims", "claimed_at", deliveries),
        ]

    @model_validator(mode="after")
    def credentials_only_over_tls(self) -> Self:
        if (self.smtp_username is None) != (self.smtp_password is None):
            raise ValueError("PEERLINK_SMTP_USERNAME and PEERLINK_SMTP_PASSWORD go together")
        if self.smtp_username is not None and self.smtp_tls == "opportunistic":
            raise ValueError(
                "SMTP credentials are never sent over plaintext: set PEERLINK_SMTP_TLS to "
                "starttls or implicit"
            )
        return self

    @model_validator(mode="after")
    def lease_outlasts_an_attempt(self) -> Self:
        # A lease shorter than a send would let a second replica resend a slow first one.
        if self.delivery_claim_lease_seconds <= 2 * self.delivery_send_timeout_seconds:
            raise ValueError(
                "PEERLINK_DELIVERY_CLAIM_LEASE_SECONDS must exceed twice "
                "PEERLINK_DELIVERY_SEND_TIMEOUT_SECONDS"
            )
        return self
