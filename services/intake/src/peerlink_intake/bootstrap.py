"""Wires intake, its one composition root: settings → runtime → adapters (repositories,
publishers, peers) → use cases → the Kafka door and the routes."""

from __future__ import annotations

from fastapi import FastAPI
from peerlink_shared.clock import Clock
from peerlink_shared.lifecycle.erasure import erasure_in
from peerlink_shared.messaging.publishing import Publisher, source_of
from peerlink_shared.runtime import ServiceRuntime
from peerlink_shared.web.app import create_app
from peerlink_shared.web.held_routes import WithTrail, held_router

from peerlink_intake.adapters.clinics import ClinicRepository
from peerlink_intake.adapters.erasures import ErasureRequests
from peerlink_intake.adapters.holdings import IntakeHoldings
from peerlink_intake.adapters.peer_holdings import PeerHoldings
from peerlink_intake.adapters.repository import IntakeRepository
from peerlink_intake.entrypoints import consumers
from peerlink_intake.entrypoints.clinics import clinics_router
from peerlink_intake.entrypoints.erasure import erasure_router
from peerlink_intake.entrypoints.http import intake_router
from peerlink_intake.entrypoints.links import links_router
from peerlink_intake.entrypoints.report import report_router
from peerlink_intake.service_layer.clinic_facts import ClinicFacts
from peerlink_intake.service_layer.clinic_grants import ClinicGrantChanges
from peerlink_intake.service_layer.erasures import Erasures
from peerlink_intake.service_layer.fact_log import FactLog
from peerlink_intake.service_layer.recording import FactRecording
from peerlink_intake.service_layer.registration import Registration
from peerlink_intake.service_layer.subject_access import SubjectAccess
from peerlink_intake.settings import IntakeSettings


def bootstrap(settings: IntakeSettings, *, clock: Clock | None = None) -> FastAPI:
    runtime = ServiceRuntime(service="intake", settings=settings, clock=clock)
    repository = IntakeRepository(runtime.db)
    clinics = ClinicRepository(runtime.db)
    requests = ErasureRequests(runtime.db)
    topics = runtime.topics

    def publisher(topic: str) -> Publisher:
        return Publisher(
            sink=runtime.outbox, source=source_of("intake"), topic=topic, clock=runtime.clock
        )

    log = FactLog(
        facts=repository, person_events=publisher(topics.person_events), clock=runtime.clock
    )
    registration = Registration(
        centres=repository,
        persons=repository,
        log=log,
        centre_events=publisher(topics.centre_events),
        clock=runtime.clock,
    )
    recording = FactRecording(
        persons=repository, centres=repository, clinics=clinics, log=log, clock=runtime.clock
    )
    erasures = Erasures(
        persons=repository,
        repository=repository,
        requests=requests,
        keys=runtime.keys,  # destroyed when the request is accepted: every sealed copy is shredded
        person_erasure=publisher(topics.person_erasure),
        clock=runtime.clock,
    )
    erasure = erasure_in(runtime, service="intake", erase_own_stores=repository.erase_person)
    runtime.startup_hooks += [
        repository.ensure_indexes,
        clinics.ensure_indexes,
        requests.ensure_indexes,
    ]
    runtime.subscribe(
        consumers.subscriptions(
            inbound=ClinicFacts(recording=recording, clock=runtime.clock, audit=runtime.audit),
            erasure=erasure,
            erasures=erasures,
            topics=runtime.topics,
        )
    )
    grants = clinics_router(
        changes=ClinicGrantChanges(clinics=clinics, clock=runtime.clock),
        clinics=clinics,
        centres=repository,
    )
    holdings = IntakeHoldings(runtime.db, repository=repository)
    peers = PeerHoldings(urls=settings.peer_urls(), timeout=settings.report_timeout_seconds)
    runtime.background.append(peers)
    subject_access = SubjectAccess(
        persons=repository,
        holdings=WithTrail(runtime=runtime, holdings=holdings),
        peers=peers,
        clock=runtime.clock,
    )
    return create_app(
        runtime=runtime,
        title="PeerLink intake",
        routers=[
            intake_router(registration=registration, centres=repository, recording=recording),
            links_router(recording=recording, persons=repository),
            grants,
            erasure_router(erasures=erasures),
            held_router(runtime=runtime, holdings=holdings),
            report_router(subject_access=subject_access),
        ],
    )
