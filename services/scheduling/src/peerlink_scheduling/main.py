"""`peerlink-scheduling`: runs the scheduling service."""

from __future__ import annotations

from peerlink_shared.web.serve import serve

from peerlink_scheduling.bootstrap import bootstrap
from peerlink_scheduling.settings import SchedulingSettings


def main() -> None:
    settings = SchedulingSettings()
    serve(service="scheduling", settings=settings, app=bootstrap(settings))
