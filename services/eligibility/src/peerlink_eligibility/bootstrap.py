"""Wires eligibility: settings → runtime → repositories, handlers, subscriptions, routes."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import FastAPI
from peerlink_shared.clock import Clock
from peerlink_shared.contracts import (
    LINK_FACTS,
    PERSON_FACTS,
    EligibilityChanged,
    PersonErased,
    PersonErasureRequested,
    PolicyChanged,
    ReferralMade,
)
from peerlink_shared.lifecycle.erasure import Erasure
from peerlink_shared.messaging.asyncapi import Channel
from peerlink_shared.runtime import ServiceRuntime
from peerlink_shared.web.app import create_app
from peerlink_shared.web.held_routes import held_router

from peerlink_eligibility.adapters.announcements import Announcements
from peerlink_eligibility.adapters.holdings import EligibilityHoldings
from peerlink_eligibility.adapters.jobs import JobRepository
from peerlink_eligibility.adapters.policies import PolicyRepository
from peerlink_eligibility.adapters.repository import EligibilityRepository
from peerlink_eligibility.bulk_reevaluation import CentreReevaluation
from peerlink_eligibility.entrypoints import consumers
from peerlink_eligibility.entrypoints.http import eligibility_router
from peerlink_eligibility.handlers import EligibilityHandlers
from peerlink_eligibility.policy_changes import PolicyChanges
from peerlink_eligibility.policy_preview import PolicyPreviews
from peerlink_eligibility.preview_facts import PreviewFacts
from peerlink_eligibility.reevaluation import Reevaluator
from peerlink_eligibility.review import Reviewer
from peerlink_eligibility.settings import EligibilitySettings


def bootstrap(settings: EligibilitySettings, *, clock: Clock | None = None) -> FastAPI:
    runtime = ServiceRuntime(service="eligibility", settings=settings, clock=clock)
    repository = EligibilityRepository(runtime.db)
    policies = PolicyRepository(runtime.db)
    jobs = JobRepository(runtime.db)
    runtime.startup_hooks += [repository.ensure_indexes, policies.ensure_indexes]
    preview_facts = PreviewFacts(max_age=timedelta(seconds=settings.preview_facts_max_age_seconds))
    announcements = Announcements(outbox=runtime.outbox, topics=runtime.topics, clock=runtime.clock)
    reevaluator = Reevaluator(
        repository=repository, policies=policies, announcements=announcements, clock=runtime.clock
    )
    policy_changes = PolicyChanges(
        policies=policies,
        jobs=jobs,
        reevaluation=CentreReevaluation(
            repository=repository,
            announcements=announcements,
            reevaluator=reevaluator,
            clock=runtime.clock,
        ),
        outbox=runtime.outbox,
        topics=runtime.topics,
        clock=runtime.clock,
    )

    async def erase_person(person_id: str, *, now: datetime, correlation_id: str) -> dict[str, int]:
        preview_facts.forget(person_id)  # the next what-if no longer counts them
        return await repository.erase_person(person_id, now=now, correlation_id=correlation_id)

    erasure = Erasure(
        service="eligibility",
        db=runtime.db,
        erase_own_stores=erase_person,
        outbox=runtime.outbox,
        topics=runtime.topics,
        clock=runtime.clock,
    )
    runtime.startup_hooks.append(erasure.ledger.ensure_indexes)
    consumers.subscribe(
        runtime.consumer,
        handlers=EligibilityHandlers(
            repository=repository, reevaluator=reevaluator, preview_facts=preview_facts
        ),
        policy_changes=policy_changes,
        erasure=erasure,
        topics=runtime.topics,
        group_id=settings.consumer_group,
    )
    runtime.background.append(
        Reviewer(
            repository=repository,
            reevaluator=reevaluator,
            clock=runtime.clock,
            interval_seconds=settings.review_interval_seconds,
            tracer=runtime.tracing.tracer if runtime.tracing else None,
        )
    )
    previews = PolicyPreviews(
        repository=repository, policies=policies, held=preview_facts, clock=runtime.clock
    )
    runtime.background.append(previews)  # stops a read of the facts under way
    router = eligibility_router(
        repository=repository,
        policies=policies,
        policy_changes=policy_changes,
        previews=previews,
        jobs=jobs,
    )
    topics = runtime.topics
    return create_app(
        runtime=runtime,
        title="PeerLink eligibility",
        routers=[
            router,
            held_router(runtime=runtime, holdings=EligibilityHoldings(runtime.db)),
        ],
        receives=[
            Channel(
                topics.person_events,
                (*PERSON_FACTS, *(f for f in LINK_FACTS if f is not ReferralMade)),
                "person-events",
            ),
            Channel(topics.policy_events, (PolicyChanged,), "policy-events"),
            Channel(topics.person_erasure, (PersonErasureRequested,), "person-erasure"),
        ],
        sends=[
            Channel(topics.eligibility_changes, (EligibilityChanged,), "eligibility-changes"),
            Channel(topics.policy_events, (PolicyChanged,), "policy-events"),
            Channel(topics.person_erased, (PersonErased,), "person-erased"),
        ],
    )
