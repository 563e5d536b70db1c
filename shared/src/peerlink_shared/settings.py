"""Settings from environment variables (PEERLINK_*), validated at start."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from peerlink_shared.clock import Clock, OffsetClock, SystemClock
from peerlink_shared.keys.settings import KeyVaultSettings
from peerlink_shared.messaging.kafka_access import KafkaAccess
from peerlink_shared.messaging.topics import (
    LONGEST_DEAD_LETTER_RETENTION_DAYS,
    LONGEST_TOPIC_RETENTION_DAYS,
    Topics,
)
from peerlink_shared.security.auth_settings import (
    MIN_SECRET_LENGTH,
    PLACEHOLDER_SECRETS,
    TokenSettings,
)
from peerlink_shared.storage.retention import Expiry

# An event can reach a consumer again this long after it was first handled: a group that
# re-reads a topic from its start (its committed offsets expired, `earliest`) sees events
# up to the topic's retention old, and a dead letter replayed on its last day is a copy up
# to the dead-letter topic's retention old, read again within the topic's.
REDELIVERY_WINDOW_DAYS = LONGEST_TOPIC_RETENTION_DAYS + LONGEST_DEAD_LETTER_RETENTION_DAYS

__all__ = ["MIN_SECRET_LENGTH", "PLACEHOLDER_SECRETS", "ServiceSettings"]


class ServiceSettings(TokenSettings, KeyVaultSettings):
    """What every service needs; each service subclasses it with its own defaults.

    Key vault settings (PEERLINK_KEY_*) come from KeyVaultSettings; token settings
    (PEERLINK_TOKEN_*) from TokenSettings; `token_audience` is the `aud`
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
    seal_payloads: bool = Field(
        default=True,
        description="Seal health facts in published events under the person's data key. "
        "Off only to measure what sealing costs; sealed events are opened either way.",
    )
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
    inbox_retention_days: int = Field(
        default=60,
        gt=REDELIVERY_WINDOW_DAYS,
        le=3650,
        description="How long the inbox remembers a handled event. Must outlast every way "
        f"an event can come again (topic plus dead-letter retention, {REDELIVERY_WINDOW_DAYS} "
        "days), or a late copy would be handled twice.",
    )
    outbox_parked_retention_days: int = Field(
        default=30,
        ge=1,
        le=365,
        description="How long an outbox entry that could never be published is kept for "
        "inspection.",
    )
    audit_retention_days: int = Field(
        default=6 * 365,
        ge=365,
        le=30 * 365,
        description="How long audit entries are kept: a legal choice for the operator "
        "(the default, six years, follows the common health-records rule; check yours).",
    )
    retention_sweep_minutes: float = Field(
        default=15.0,
        gt=0,
        le=24 * 60,
        description="How often expired documents are deleted where the database has no "
        "TTL indexes (FerretDB v1).",
    )
    clock_offset_days: int = Field(
        default=0, description="Shifts the service clock; for demos and tests only."
    )

    def expiries(self) -> list[Expiry]:
        """What every service's shared stores keep, and for how long."""
        return [
            Expiry("inbox", "handled_at", timedelta(days=self.inbox_retention_days)),
            Expiry("outbox_parked", "parked_at", timedelta(days=self.outbox_parked_retention_days)),
            Expiry("audit", "at", timedelta(days=self.audit_retention_days)),
        ]

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
