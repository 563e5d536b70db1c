"""Wires scheduling: settings → runtime → repository, handlers, subscriptions, routes."""

from __future__ import annotations

from fastapi import FastAPI
from peerlink_shared.app import create_app
from peerlink_shared.asyncapi import Channel
from peerlink_shared.contracts import (
    AdmissionRecorded,
    CentreRegistered,
    DischargeRecorded,
    EligibilityChanged,
    MeetingRequested,
    ProgrammeEnded,
    SessionCancelled,
    SessionFilled,
    SessionRequested,
    SessionUnfilled,
    SupporterAssigned,
    SupporterUnassigned,
)
from peerlink_shared.held_routes import held_router
from peerlink_shared.runtime import ServiceRuntime

from peerlink_scheduling.adapters.holdings import SchedulingHoldings
from peerlink_scheduling.adapters.repository import SchedulingRepository
from peerlink_scheduling.entrypoints import consumers
from peerlink_scheduling.entrypoints.http import scheduling_router
from peerlink_scheduling.handlers import SchedulingHandlers
from peerlink_scheduling.settings import SchedulingSettings


def bootstrap(settings: SchedulingSettings) -> FastAPI:
    runtime = ServiceRuntime(service="scheduling", settings=settings)
    repository = SchedulingRepository(runtime.db)
    runtime.startup_hooks.append(repository.ensure_indexes)
    handlers = SchedulingHandlers(
        repository=repository, outbox=runtime.outbox, topics=runtime.topics, clock=runtime.clock
    )
    consumers.subscribe(
        runtime.consumer, handlers=handlers, topics=runtime.topics, group_id=settings.consumer_group
    )
    router = scheduling_router(
        handlers=handlers,
        repository=repository,
        clock=runtime.clock,
    )
    topics = runtime.topics
    return create_app(
        runtime=runtime,
        title="PeerLink scheduling",
        routers=[
            router,
            held_router(runtime=runtime, holdings=SchedulingHoldings(runtime.db)),
        ],
        receives=[
            Channel(topics.eligibility_changes, (EligibilityChanged,), "eligibility-changes"),
            Channel(topics.centre_events, (CentreRegistered,), "centre-events"),
            Channel(
                topics.person_events,
                (AdmissionRecorded, ProgrammeEnded, DischargeRecorded),
                "person-events",
            ),
        ],
        sends=[
            Channel(
                topics.session_events,
                (
                    SessionRequested,
                    MeetingRequested,
                    SessionCancelled,
                    SupporterAssigned,
                    SupporterUnassigned,
                    SessionFilled,
                    SessionUnfilled,
                ),
                "session-events",
            )
        ],
    )
