"""`peerlink-console`: serves the console."""

from __future__ import annotations

import logging

import uvicorn
from peerlink_shared.observability.logging import configure_logging

from peerlink_console.app import create_app
from peerlink_console.settings import ConsoleSettings


def main() -> None:
    settings = ConsoleSettings()
    configure_logging(service="console", level="INFO")
    # httpx logs every URL the console calls; the services log their own requests.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    uvicorn.run(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
    )
