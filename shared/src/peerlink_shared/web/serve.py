"""Runs a service's app under uvicorn; SIGTERM drains through the lifespan."""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI

from peerlink_shared.observability.logging import configure_logging
from peerlink_shared.settings import ServiceSettings


def serve(*, service: str, settings: ServiceSettings, app: FastAPI) -> None:
    configure_logging(service=service, level=settings.log_level)
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=25,
    )
