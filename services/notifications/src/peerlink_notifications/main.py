"""`peerlink-notifications`: runs the notifications service."""

from __future__ import annotations

from peerlink_shared.web.serve import serve

from peerlink_notifications.bootstrap import bootstrap
from peerlink_notifications.settings import NotificationsSettings


def main() -> None:
    settings = NotificationsSettings()
    serve(service="notifications", settings=settings, app=bootstrap(settings))
