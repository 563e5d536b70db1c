"""Wires intake: settings → runtime → repository, handlers, the Kafka door, routes."""

from __future__ import annotations

from fastapi import FastAPI
from peerlink_shared.app import create_app
from peerlink_shared.asyncapi import Channel
from peerlink_shared.clock import Clock
from peerlink_shared.contracts import (
    LINK_FACTS,
    PERSON_FACTS,
    CentreRegistered,
    PersonErased,
    PersonErasureRequested,
)
from peerlink_shared.erasure import Erasure
from peerlink_shared.held_routes import WithTrail, held_router
from peerlink_shared.runtime import ServiceRuntime
from peerlink_shared.topics import CLINIC_INBOUND

from peerlink_intake.adapters.clinics import ClinicRepository
from peerlink_intake.adapters.erasures import ErasureRequests
from peerlink_intake.adapters.holdings import IntakeHoldings
from peerlink_intake.adapters.peer_holdings import PeerHoldings
from peerlink_intake.adapters.repository import IntakeRepository
from peerlink_intake.clinic_grants import ClinicGrantChanges
from peerlink_intake.entrypoints import consumers
from peerlink_intake.entrypoints.clinics import clinics_router
from peerlink_intake.entrypoints.erasure import erasure_router
from peerlink_intake.entrypoints.http import intake_router
from peerlink_intake.entrypoints.links import links_router
from peerlink_intake.entrypoints.recording import FactRecording
from peerlink_intake.entrypoints.report import report_router
from peerlink_intake.erasure import Erasures
from peerlink_intake.handlers import InboundHandlers, IntakeHandlers
from peerlink_intake.settings import IntakeSettings
from peerlink_intake.subject_access import SubjectAccess


def bootstrap(settings: IntakeSettings, *, clock: Clock | None = None) -> FastAPI:
    runtime = ServiceRuntime(service="intake", settings=settings, clock=clock)
    repository = IntakeRepository(runtime.db)
    clinics = ClinicRepository(runtime.db)
    requests = ErasureRequests(runtime.db)
    handlers = IntakeHandlers(
        repository=repository, outbox=runtime.outbox, topics=runtime.topics, clock=runtime.clock
    )
    erasures = Erasures(
        repository=repository,
        requests=requests,
        keys=runtime.keys,  # destroyed when the request is accepted: every sealed copy is shredded
        outbox=runtime.outbox,
        topics=runtime.topics,
        clock=runtime.clock,
    )
    erasure = Erasure(
        service="intake",
        db=runtime.db,
        erase_own_stores=repository.erase_person,
        outbox=runtime.outbox,
        topics=runtime.topics,
        clock=runtime.clock,
    )
    runtime.startup_hooks += [
        repository.ensure_indexes,
        clinics.ensure_indexes,
        requests.ensure_indexes,
        erasure.ledger.ensure_indexes,
    ]
    consumers.subscribe(
        runtime.consumer,
        inbound=InboundHandlers(
            handlers=handlers,
            repository=repository,
            clinics=clinics,
            clock=runtime.clock,
            audit=runtime.audit,
        ),
        erasure=erasure,
        erasures=erasures,
        topics=runtime.topics,
        group_id=settings.consumer_group,
    )
    recording = FactRecording(handlers=handlers, repository=repository, clock=runtime.clock)
    grants = clinics_router(
        changes=ClinicGrantChanges(clinics=clinics, clock=runtime.clock),
        clinics=clinics,
        repository=repository,
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
    topics = runtime.topics
    return create_app(
        runtime=runtime,
        title="PeerLink intake",
        routers=[
            intake_router(handlers=handlers, repository=repository, recording=recording),
            links_router(recording=recording, repository=repository),
            grants,
            erasure_router(erasures=erasures, repository=repository),
            held_router(runtime=runtime, holdings=holdings),
            report_router(subject_access=subject_access),
        ],
        receives=[
            Channel(
                topics.clinic_inbound_address,
                PERSON_FACTS,
                CLINIC_INBOUND,
                parameters={
                    "clinic": "The clinic system's id, given when it is added. Only that "
                    "clinic's Kafka principal may write its topic: intake knows the sender "
                    "from the topic, and records facts only about persons at the centres the "
                    "clinic may act for (else `sender_not_allowed`)."
                },
            ),
            Channel(topics.person_erasure, (PersonErasureRequested,), "person-erasure"),
            Channel(topics.person_erased, (PersonErased,), "person-erased"),
        ],
        sends=[
            Channel(topics.person_events, (*PERSON_FACTS, *LINK_FACTS), "person-events"),
            Channel(topics.centre_events, (CentreRegistered,), "centre-events"),
            Channel(topics.person_erasure, (PersonErasureRequested,), "person-erasure"),
            Channel(topics.person_erased, (PersonErased,), "person-erased"),
        ],
    )
