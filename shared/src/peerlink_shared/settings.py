"""Settings from environment variables (PEERLINK_*), validated at start."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from peerlink_shared.auth_settings import MIN_SECRET_LENGTH, PLACEHOLDER_SECRETS, TokenSettings
from peerlink_shared.clock import Clock, OffsetClock, SystemClock
from peerlink_shared.kafka_access import KafkaAccess
from peerlink_shared.topics import Topics

__all__ = ["MIN_SECRET_LENGTH", "PLACEHOLDER_SECRETS", "ServiceSettings"]


class ServiceSettings(TokenSettings):
    """What every service needs; each service subclasses it with its own defaults.

    Token settings (PEERLINK_TOKEN_*) come from TokenSettings; `token_audience` is the `aud`
    this service accepts, `peerlink-<service>` by default.
    """

    model_config = SettingsConfigDict(
        env_prefix="PEERLINK_", extra="ignore", hide_input_in_errors=True
    )

    kafka_bootstrap: str = "127.0.0.1:19092"
    kafka_security_protocol: str = Field(
        default="SASL_SSL", description="SASL_SSL, or PLAINTEXT only when asked for explicitly."
    )
    kafka_sasl_mechanism: str = "SCRAM-SHA-512"
    kafka_username: str | None = None
    kafka_password: SecretStr | None = None
    kafka_password_file: str | None = None
    kafka_ca_file: str | None = None
    kafka_metadata_max_age_ms: int = Field(
        default=5 * 60 * 1000,
        ge=500,
        le=60 * 60 * 1000,
        description="How often the Kafka clients refresh metadata: a pattern subscription "
        "sees a new topic within this long.",
    )
    mongo_url: str = "mongodb://127.0.0.1:27027/?directConnection=true"
    mongo_database: str
    consumer_group: str
    topic_prefix: str = ""
    http_host: str = "127.0.0.1"
    http_port: int = Field(ge=1, le=65535)
    token_audience: str = Field(min_length=1)
    log_level: str = "INFO"
    publish_timeout_seconds: float = Field(default=10.0, gt=0)
    consumer_max_attempts: int = Field(
        default=5,
        ge=1,
        le=100,
        description="Tries of an event whose handler keeps failing (outages aside) before "
        "it is dead-lettered as handler_failed.",
    )
    consumer_stuck_seconds: float = Field(
        default=60.0,
        gt=0,
        description="/ready answers 503 once a partition's record has kept failing this long.",
    )
    clock_offset_days: int = Field(
        default=0, description="Shifts the service clock; for demos and tests only."
    )

    def kafka_access(self) -> KafkaAccess:
        """The broker address and this service's own login (checked when the service starts)."""
        return KafkaAccess.of(
            bootstrap=self.kafka_bootstrap,
            security_protocol=self.kafka_security_protocol,
            sasl_mechanism=self.kafka_sasl_mechanism,
            username=self.kafka_username,
            password=self.kafka_password,
            password_file=self.kafka_password_file,
            ca_file=self.kafka_ca_file,
        )

    @property
    def topics(self) -> Topics:
        return Topics(prefix=self.topic_prefix)

    def clock(self) -> Clock:
        if self.clock_offset_days:
            return OffsetClock(timedelta(days=self.clock_offset_days))
        return SystemClock()
