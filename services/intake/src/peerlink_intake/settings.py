from __future__ import annotations

from peerlink_shared.settings import ServiceSettings
from pydantic import AnyHttpUrl, Field


class IntakeSettings(ServiceSettings):
    mongo_database: str = "peerlink_intake"
    consumer_group: str = "peerlink-intake"
    token_audience: str = "peerlink-intake"
    http_port: int = 8101
    # Intake reads every clinic's topic by pattern: a clinic added while it runs is read
    # within this long (aiokafka's 5-minute default would leave its events waiting).
    kafka_metadata_max_age_ms: int = Field(default=3000, ge=500, le=60 * 60 * 1000)
    # Where the subject access report asks the other services what they hold (their
    # `/persons/{p}/held`), relaying the caller's token. Defaults: each service's own port.
    eligibility_url: AnyHttpUrl = AnyHttpUrl("http://127.0.0.1:8102")
    scheduling_url: AnyHttpUrl = AnyHttpUrl("http://127.0.0.1:8103")
    notifications_url: AnyHttpUrl = AnyHttpUrl("http://127.0.0.1:8104")
    report_timeout_seconds: float = Field(
        default=5.0,
        gt=0,
        le=60,
        description="How long the report waits for each service; one slower is reported as "
        "unavailable, and the report as incomplete.",
    )

    def peer_urls(self) -> dict[str, str]:
        """The other services' base URLs, by service, without a trailing slash."""
        urls = {
            "eligibility": self.eligibility_url,
            "scheduling": self.scheduling_url,
            "notifications": self.notifications_url,
        }
        return {service: str(url).rstrip("/") for service, url in urls.items()}
