"""Wires eligibility: settings → runtime → repository, handlers, subscriptions, routes."""

from __future__ import annotations

from fastapi import FastAPI
from peerlink_shared.app import create_app
from peerlink_shared.runtime import ServiceRuntime

from peerlink_eligibility.adapters.repository import EligibilityRepository
from peerlink_eligibility.entrypoints import consumers
from peerlink_eligibility.entrypoints.http import eligibility_router
from peerlink_eligibility.handlers import EligibilityHandlers
from peerlink_eligibility.settings import EligibilitySettings


def bootstrap(settings: EligibilitySettings) -> FastAPI:
    runtime = ServiceRuntime(service="eligibility", settings=settings)
    repository = EligibilityRepository(runtime.db)
    runtime.startup_hooks.append(repository.ensure_indexes)
    handlers = EligibilityHandlers(
        repository=repository, outbox=runtime.outbox, topics=runtime.topics, clock=runtime.clock
    )
    consumers.subscribe(
        runtime.consumer, handlers=handlers, topics=runtime.topics, group_id=settings.consumer_group
    )
    router = eligibility_router(
        repository=repository,
    )
    return create_app(runtime=runtime, title="PeerLink eligibility", routers=[router])
