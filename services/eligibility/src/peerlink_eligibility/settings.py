from __future__ import annotations

from peerlink_shared.settings import ServiceSettings


class EligibilitySettings(ServiceSettings):
    mongo_database: str = "peerlink_eligibility"
    consumer_group: str = "peerlink-eligibility"
    http_port: int = 8102
