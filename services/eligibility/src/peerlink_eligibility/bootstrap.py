"""The composition root: settings → runtime → adapters, injected into the use cases, which
the subscriptions, the review clock and the routes call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from fastapi import FastAPI
from opentelemetry.trace import Tracer
from peerlink_shared.clock import Clock
from peerlink_shared.lifecycle.erasure import erasure_in
from peerlink_shared.messaging.publishing import EventSink, Publisher, source_of
from peerlink_shared.messaging.topics import Topics
from peerlink_shared.runtime import ServiceRuntime
from peerlink_shared.web.app import create_app
from peerlink_shared.web.held_routes import held_router

from peerlink_eligibility.adapters.holdings import EligibilityHoldings
from peerlink_eligibility.adapters.jobs import JobRepository
from peerlink_eligibility.adapters.policies import PolicyRepository
from peerlink_eligibility.adapters.repository import EligibilityRepository
from peerlink_eligibility.entrypoints import consumers
from peerlink_eligibility.entrypoints.http import eligibility_router
from peerlink_eligibility.entrypoints.review_clock import ReviewClock
from peerlink_eligibility.service_layer.announcements import Announcements
from peerlink_eligibility.service_layer.centre_reevaluation import CentreReevaluation
from peerlink_eligibility.service_layer.decision_reads import DecisionReads
from peerlink_eligibility.service_layer.decision_reviews import DecisionReviews
from peerlink_eligibility.service_layer.fact_recording import FactRecording
from peerlink_eligibility.service_layer.person_erasure import PersonErasure
from peerlink_eligibility.service_layer.policy_changes import PolicyChanges
from peerlink_eligibility.service_layer.policy_previews import PolicyPreviews
from peerlink_eligibility.service_layer.ports import EligibilityStore, JobStore, PolicyStore
from peerlink_eligibility.service_layer.preview_facts import PreviewFacts
from peerlink_eligibility.service_layer.reevaluation import Reevaluator
from peerlink_eligibility.settings import EligibilitySettings


@dataclass(frozen=True)
class UseCases:
    """Eligibility's use cases, wired over whichever stores and outbox they are given."""

    recording: FactRecording
    reevaluator: Reevaluator
    policy_changes: PolicyChanges
    previews: PolicyPreviews
    reviews: DecisionReviews
    erasure: PersonErasure
    reads: DecisionReads


def use_cases(
    *,
    repository: EligibilityStore,
    policies: PolicyStore,
    jobs: JobStore,
    outbox: EventSink,
    topics: Topics,
    clock: Clock,
    preview_facts: PreviewFacts,
    tracer: Tracer | None = None,
) -> UseCases:
    def publisher(topic: str) -> Publisher:
        return Publisher(sink=outbox, source=source_of("eligibility"), topic=topic, clock=clock)

    announcements = Announcements(publisher=publisher(topics.eligibility_changes), clock=clock)
    reevaluator = Reevaluator(
        repository=repository, policies=policies, announcements=announcements, clock=clock
    )
    reevaluation = CentreReevaluation(
        repository=repository, announcements=announcements, reevaluator=reevaluator, clock=clock
    )
    return UseCases(
        recording=FactRecording(
            repository=repository, reevaluator=reevaluator, preview_facts=preview_facts
        ),
        reevaluator=reevaluator,
        policy_changes=PolicyChanges(
            policies=policies,
            jobs=jobs,
            reevaluation=reevaluation,
            publisher=publisher(topics.policy_events),
            clock=clock,
        ),
        previews=PolicyPreviews(
            repository=repository, policies=policies, held=preview_facts, clock=clock
        ),
        reviews=DecisionReviews(
            repository=repository, reevaluator=reevaluator, clock=clock, tracer=tracer
        ),
        erasure=PersonErasure(repository=repository, preview_facts=preview_facts),
        reads=DecisionReads(repository=repository),
    )


def bootstrap(settings: EligibilitySettings, *, clock: Clock | None = None) -> FastAPI:
    runtime = ServiceRuntime(service="eligibility", settings=settings, clock=clock)
    repository = EligibilityRepository(runtime.db)
    policies = PolicyRepository(runtime.db)
    jobs = JobRepository(runtime.db)
    runtime.startup_hooks += [repository.ensure_indexes, policies.ensure_indexes]
    topics = runtime.topics
    cases = use_cases(
        repository=repository,
        policies=policies,
        jobs=jobs,
        outbox=runtime.outbox,
        topics=topics,
        clock=runtime.clock,
        preview_facts=PreviewFacts(
            max_age=timedelta(seconds=settings.preview_facts_max_age_seconds)
        ),
        tracer=runtime.tracing.tracer if runtime.tracing else None,
    )
    erasure = erasure_in(runtime, service="eligibility", erase_own_stores=cases.erasure.erase)
    runtime.subscribe(
        consumers.subscriptions(
            recording=cases.recording,
            policy_changes=cases.policy_changes,
            erasure=erasure,
            topics=topics,
        )
    )
    runtime.background.append(
        ReviewClock(reviews=cases.reviews, interval_seconds=settings.review_interval_seconds)
    )
    runtime.background.append(cases.previews)  # stops a read of the facts under way
    router = eligibility_router(
        reads=cases.reads,
        policies=policies,
        policy_changes=cases.policy_changes,
        previews=cases.previews,
        jobs=jobs,
    )
    return create_app(
        runtime=runtime,
        title="PeerLink eligibility",
        routers=[
            router,
            held_router(runtime=runtime, holdings=EligibilityHoldings(runtime.db)),
        ],
    )
