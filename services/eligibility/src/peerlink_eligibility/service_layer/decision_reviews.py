"""Decisions whose review day has come, re-decided with no event (the clock is the input:
entrypoints/review_clock.py runs a pass every interval).

Every replica runs a reviewer; each (decision, review day, ten-minute window) is claimed by
one of them through a unique insert, so a review runs once, and a review lost to a crash is
tried again in the next window.

Most passes look up only the last few review days, one indexed equality each; every so often
(and at start) a pass looks for every decision due, however long ago, which catches what a
long outage left behind but reads every decision on FerretDB.
"""

from __future__ import annotations

from datetime import timedelta

import structlog
from opentelemetry.trace import Tracer
from peerlink_shared.clock import Clock
from peerlink_shared.messaging.envelope import derived_event_id
from peerlink_shared.observability.trace_spans import continuing

from peerlink_eligibility.domain.decision import Decision
from peerlink_eligibility.service_layer.announcements import Trigger
from peerlink_eligibility.service_layer.ports import EligibilityStore
from peerlink_eligibility.service_layer.reevaluation import Reevaluator

log = structlog.get_logger("peerlink.eligibility")
CLAIM_WINDOW_SECONDS = 600
RECENT_DAYS = 7


class DecisionReviews:
    def __init__(
        self,
        *,
        repository: EligibilityStore,
        reevaluator: Reevaluator,
        clock: Clock,
        tracer: Tracer | None = None,
    ) -> None:
        """`tracer`: each re-decision the clock starts begins a trace (None: tracing off)."""
        self._repository = repository
        self._reevaluator = reevaluator
        self._clock = clock
        self._tracer = tracer

    async def review_due(self, *, limit: int = 500, all_days: bool = True) -> int:
        """Re-decides the persons of due decisions this replica claims; returns how many.
        `all_days`: every decision due, or only those due in the last RECENT_DAYS days."""
        now = self._clock.now()
        window = int(now.timestamp()) // CLAIM_WINDOW_SECONDS
        reviewed: set[str] = set()
        for decision in await self._due(limit=limit, all_days=all_days):
            if decision.person_id in reviewed:
                continue
            claim = f"{decision.person_id}:{decision.centre_id}:{decision.review_on}:{window}"
            if not await self._repository.claim_review(claim, at=now):
                continue
            cause_id = derived_event_id("review", decision.person_id, str(decision.review_on))
            # No request or event started this: the clock did, so a new trace.
            with continuing(self._tracer, "review decision", traceparent=None):
                # The claimed centre too, even if no longer relevant, so its review day moves on.
                await self._reevaluator.person(
                    decision.person_id,
                    trigger=Trigger(cause_id, cause_id),
                    also=[decision.centre_id],
                )
            reviewed.add(decision.person_id)
        if reviewed:
            log.info("decisions_reviewed", persons=len(reviewed))
        return len(reviewed)

    async def _due(self, *, limit: int, all_days: bool) -> list[Decision]:
        today = self._clock.today()
        if all_days:
            return await self._repository.due_for_review(today, limit=limit)
        due: list[Decision] = []
        for back in range(RECENT_DAYS):
            due += await self._repository.due_on(today - timedelta(days=back), limit=limit)
        return due[:limit]
