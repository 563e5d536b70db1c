from __future__ import annotations

from typing import Self

from peerlink_shared.settings import ServiceSettings
from pydantic import AnyHttpUrl, Field, model_validator


class NotificationsSettings(ServiceSettings):
    mongo_database: str = "peerlink_notifications"
    consumer_group: str = "peerlink-notifications"
    token_audience: str = "peerlink-notifications"
    http_port: int = 8104

    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_from: str = "PeerLink <no-reply@peerlink.invalid>"
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

    @model_validator(mode="after")
    def lease_outlasts_an_attempt(self) -> Self:
        # A lease shorter than a send would let a second replica resend a slow first one.
        if self.delivery_claim_lease_seconds <= 2 * self.delivery_send_timeout_seconds:
            raise ValueError(
                "PEERLINK_DELIVERY_CLAIM_LEASE_SECONDS must exceed twice "
                "PEERLINK_DELIVERY_SEND_TIMEOUT_SECONDS"
            )
        return self
