"""`peerlink-intake`: runs the intake service."""

from __future__ import annotations

from peerlink_shared.web.serve import serve

from peerlink_intake.bootstrap import bootstrap
from peerlink_intake.settings import IntakeSettings


def main() -> None:
    settings = IntakeSettings()
    serve(service="intake", settings=settings, app=bootstrap(settings))
