"""Wires scheduling, the one place that builds adapters: settings → runtime → stores and
publisher → use cases → subscriptions and routes."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from peerlink_shared.clock import Clock
from peerlink_shared.lifecycle.erasure import Erasure
from peerlink_shared.messaging.publishing import EventSink, Publisher, source_of
from peerlink_shared.messaging.topics import Topics
from peerlink_shared.runtime import ServiceRuntime
from peerlink_shared.web.app import create_app
from peerlink_shared.web.held_routes import held_router

from peerlink_scheduling.adapters.holdings import SchedulingHoldings
from peerlink_scheduling.adapters.sessions import SessionRepository
from peerlink_scheduling.adapters.supporters import SupporterRepository
from peerlink_scheduling.entrypoints import consumers
from peerlink_scheduling.entrypoints.http import scheduling_router
from peerlink_scheduling.service_layer.eligibility import EligibilityFollowing
from peerlink_scheduling.service_layer.forgetting import Forgetting
from peerlink_scheduling.service_layer.ports import EventPublisher, Ports, Sessions, Supporters
from peerlink_scheduling.service_layer.requests import SessionRequests
from peerlink_scheduling.service_layer.schedule import Schedule
from peerlink_scheduling.service_layer.staffing import Staffing
from peerlink_scheduling.service_layer.stays import StaysAndCentres
from peerlink_scheduling.settings import SchedulingSettings


@dataclass(frozen=True)
class UseCases:
    """Scheduling's use cases, composed over one set of ports."""

    staffing: Staffing
    requests: SessionRequests
    eligibility: EligibilityFollowing
    stays: StaysAndCentres
    forgetting: Forgetting
    schedule: Schedule


def use_cases(
    *, sessions: Sessions, supporters: Supporters, events: EventPublisher, clock: Clock
) -> UseCases:
    ports = Ports(sessions=sessions, supporters=supporters, events=events, clock=clock)
    staffing = Staffing(ports)
    requests = SessionRequests(ports, staffing=staffing)
    return UseCases(
        staffing=staffing,
        requests=requests,
        eligibility=EligibilityFollowing(ports, staffing=staffing),
        stays=StaysAndCentres(supporters=supporters),
        forgetting=Forgetting(ports, staffing=staffing, requests=requests),
        schedule=Schedule(ports),
    )


def session_events(*, outbox: EventSink, topics: Topics, clock: Clock) -> Publisher:
    return Publisher(
        sink=outbox, source=source_of("scheduling"), topic=topics.session_events, clock=clock
    )


def bootstrap(settings: SchedulingSettings) -> FastAPI:
    runtime = ServiceRuntime(service="scheduling", settings=settings)
    topics = runtime.topics
    db = runtime.db
    sessions, supporters = SessionRepository(db), SupporterRepository(db)
    runtime.startup_hooks += [sessions.ensure_indexes, supporters.ensure_indexes]
    cases = use_cases(
        sessions=sessions,
        supporters=supporters,
        events=session_events(outbox=runtime.outbox, topics=topics, clock=runtime.clock),
        clock=runtime.clock,
    )
    erasure = Erasure(
        service="scheduling",
        db=db,
        erase_own_stores=cases.forgetting.erase_person,
        outbox=runtime.outbox,
        topics=topics,
        clock=runtime.clock,
    )
    runtime.startup_hooks.append(erasure.ledger.ensure_indexes)
    runtime.subscribe(
        consumers.subscriptions(
            eligibility=cases.eligibility, stays=cases.stays, erasure=erasure, topics=topics
        )
    )
    router = scheduling_router(
        requests=cases.requests, schedule=cases.schedule, clock=runtime.clock
    )
    return create_app(
        runtime=runtime,
        title="PeerLink scheduling",
        routers=[
            router,
            held_router(runtime=runtime, holdings=SchedulingHoldings(db)),
        ],
    )
