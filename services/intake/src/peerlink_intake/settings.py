from __future__ import annotations

from peerlink_shared.settings import ServiceSettings
from pydantic import Field


class IntakeSettings(ServiceSettings):
    mongo_database: str = "peerlink_intake"
    consumer_group: str = "peerlink-intake"
    token_audience: str = "peerlink-intake"
    http_port: int = 8101
    # Intake reads every clinic's topic by pattern: a clinic added while it runs is read
    # within this long (aiokafka's 5-minute default would leave its events waiting).
    kafka_metadata_max_age_ms: int = Field(default=3000, ge=500, le=60 * 60 * 1000)
