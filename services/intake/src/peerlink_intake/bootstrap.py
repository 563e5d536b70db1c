"""Wires intake: settings → runtime → repository, handlers, routes."""

from __future__ import annotations

from fastapi import FastAPI
from peerlink_shared.app import create_app
from peerlink_shared.runtime import ServiceRuntime

from peerlink_intake.adapters.repository import IntakeRepository
from peerlink_intake.entrypoints.http import intake_router
from peerlink_intake.handlers import IntakeHandlers
from peerlink_intake.settings import IntakeSettings


def bootstrap(settings: IntakeSettings) -> FastAPI:
    runtime = ServiceRuntime(service="intake", settings=settings)
    repository = IntakeRepository(runtime.db)
    runtime.startup_hooks.append(repository.ensure_indexes)
    handlers = IntakeHandlers(
        repository=repository, outbox=runtime.outbox, topics=runtime.topics, clock=runtime.clock
    )
    router = intake_router(
        handlers=handlers,
        repository=repository,
        clock=runtime.clock,
    )
    return create_app(runtime=runtime, title="PeerLink intake", routers=[router])
