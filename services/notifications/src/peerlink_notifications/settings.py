from __future__ import annotations

from peerlink_shared.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    mongo_database: str = "peerlink_notifications"
    consumer_group: str = "peerlink-notifications"
    http_port: int = 8104
