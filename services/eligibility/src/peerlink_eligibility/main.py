"""`peerlink-eligibility`: runs the eligibility service."""

from __future__ import annotations

from peerlink_shared.web.serve import serve

from peerlink_eligibility.bootstrap import bootstrap
from peerlink_eligibility.settings import EligibilitySettings


def main() -> None:
    settings = EligibilitySettings()
    serve(service="eligibility", settings=settings, app=bootstrap(settings))
