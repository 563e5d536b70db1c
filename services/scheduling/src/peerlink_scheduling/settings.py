from __future__ import annotations

from peerlink_shared.settings import ServiceSettings


class SchedulingSettings(ServiceSettings):
    mongo_database: str = "peerlink_scheduling"
    consumer_group: str = "peerlink-scheduling"
    token_audience: str = "peerlink-scheduling"
    http_port: int = 8103
