from __future__ import annotations

from peerlink_shared.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    mongo_database: str = "peerlink_intake"
    consumer_group: str = "peerlink-intake"
    token_audience: str = "peerlink-intake"
    http_port: int = 8101
