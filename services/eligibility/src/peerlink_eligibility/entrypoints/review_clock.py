"""The clock's door: every replica runs a pass of the decision reviews each interval."""

from __future__ import annotations

import asyncio

import structlog
from peerlink_shared.background import BackgroundLoop

from peerlink_eligibility.service_layer.decision_reviews import DecisionReviews

log = structlog.get_logger("peerlink.eligibility")
FULL_PASS_EVERY = 60  # passes: once an hour at the default interval


class ReviewClock(BackgroundLoop):
    name = "eligibility-reviewer"

    def __init__(self, *, reviews: DecisionReviews, interval_seconds: float) -> None:
        super().__init__()
        self._reviews = reviews
        self._interval = interval_seconds

    async def _run(self) -> None:
        passes = 0
        while True:
            try:
                await self._reviews.review_due(all_days=passes % FULL_PASS_EVERY == 0)
                passes += 1
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("review_failed", error=type(error).__name__)
            await asyncio.sleep(self._interval)
