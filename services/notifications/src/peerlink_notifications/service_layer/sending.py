"""Sends due deliveries: one claimed attempt at a time, each outcome recorded and the
final one published.

Exactly one replica makes each attempt: it first claims `<delivery>#<attempt>` with a
unique insert, and only the claimer writes that attempt's outcome. A claimer that dies
mid-attempt leaves its claim behind; after the lease, the next attempt number is claimed
instead. (That can resend what the dead claimer had sent: the receiver drops the copy by
its Idempotency-Key or Message-ID, which is the delivery id on every attempt.)
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import assert_never

import structlog
from opentelemetry.trace import SpanKind, Tracer
from peerlink_shared.clock import Clock
from peerlink_shared.publishing import Publisher
from peerlink_shared.trace_spans import continuing, note_outcome
from prometheus_client import Counter

from peerlink_notifications.domain.contacts import Contact, ExternalChannel
from peerlink_notifications.domain.delivery import (
    ATTEMPTS_EXHAUSTED,
    OPEN_STATUSES,
    AttemptOutcome,
    Delivered,
    Delivery,
    Failure,
    GaveUp,
    Next,
    RetryAt,
    RetryPolicy,
    after_attempt,
    destination_for,
)
from peerlink_notifications.domain.quiet_hours import defer_past_quiet_hours
from peerlink_notifications.service_layer.outcomes import publish_outcome
from peerlink_notifications.service_layer.ports import ContactBook, DeliveryBook, Transport

log = structlog.get_logger("peerlink.notifications.delivery")
ATTEMPTS = Counter(
    "peerlink_delivery_attempts_total",
    "Delivery attempts by channel and outcome (sent, retry, failed).",
    ["channel", "outcome"],
)
OUTCOME_LABELS: dict[type[Next], str] = {Delivered: "sent", RetryAt: "retry", GaveUp: "failed"}


class DeliverySender:
    def __init__(
        self,
        *,
        deliveries: DeliveryBook,
        contacts: ContactBook,
        notification_events: Publisher,
        clock: Clock,
        transports: Mapping[ExternalChannel, Transport],
        policy: RetryPolicy,
        replica: str,
        claim_lease: timedelta,
        jitter: Callable[[], float] = random.random,
        tracer: Tracer | None = None,
    ) -> None:
        """`tracer`: each attempt a span in the trace that opened the delivery (None: off).
        `notification_events` publishes each delivery's final outcome."""
        self._deliveries = deliveries
        self._contacts = contacts
        self._events = notification_events
        self._clock = clock
        self._transports = transports
        self._policy = policy
        self._replica = replica
        self._claim_lease = claim_lease
        self._jitter = jitter
        self._tracer = tracer

    async def send_due(self, *, limit: int = 50) -> int:
        """Attempts what is due now; returns how many attempts it made."""
        made = 0
        for delivery_id in await self._deliveries.due(now=self._clock.now(), limit=limit):
            made += await self._attempt(delivery_id)
        return made

    async def _attempt(self, delivery_id: str) -> bool:
        delivery = await self._deliveries.get(delivery_id)
        now = self._clock.now()
        if delivery is None:
            # The handler is between its two writes; it (or its redelivery) lists it again.
            return False
        if delivery.status not in OPEN_STATUSES:
            await self._deliveries.drop_pending(delivery_id)
            return False
        if delivery.next_attempt_at > now:
            return False  # another replica rescheduled it after we read the pending list
        contact = await self._contacts.find(delivery.recipient_kind, delivery.recipient_id)
        quiet_until = defer_past_quiet_hours(now, contact.quiet_hours if contact else None)
        if quiet_until > now:
            # Quiet hours set since it was scheduled: wait, without using an attempt.
            await self._deliveries.schedule(delivery_id, status="deferred", at=quiet_until, now=now)
            return False
        attempt = await self._claim(delivery, now=now)
        if attempt is None:
            return False
        with continuing(
            self._tracer,
            f"deliver {delivery.channel}",
            traceparent=delivery.traceparent,
            kind=SpanKind.CLIENT,
            attributes={"peerlink.delivery.channel": delivery.channel, "peerlink.attempt": attempt},
        ):
            outcome = await self._send(delivery, contact)
            step = after_attempt(
                attempt=attempt,
                outcome=outcome,
                policy=self._policy,
                now=self._clock.now(),
                jitter=self._jitter(),
                contact=contact,
            )
            await self._record(delivery, step)
            note_outcome(OUTCOME_LABELS[type(step)])
        return True

    async def _claim(self, delivery: Delivery, *, now: datetime) -> int | None:
        """The attempt number this replica now owns, or None if another replica owns it."""
        attempt = delivery.attempts + 1
        while attempt <= self._policy.max_attempts:
            if await self._deliveries.claim(
                delivery.delivery_id, attempt, by=self._replica, now=now
            ):
                return attempt
            claimed_at = await self._deliveries.claimed_at(delivery.delivery_id, attempt)
            if claimed_at is None or now - claimed_at < self._claim_lease:
                return None
            attempt += 1
        # Every attempt was claimed and lost: nobody will record this one but us.
        await self._record(delivery, GaveUp(ATTEMPTS_EXHAUSTED, attempt - 1, "claim_lost"))
        return None

    async def _send(self, delivery: Delivery, contact: Contact | None) -> AttemptOutcome:
        destination = destination_for(contact, delivery.channel)
        if isinstance(destination, Failure):
            return destination
        try:
            return await self._transports[delivery.channel].send(delivery, destination)
        except Exception as error:
            # A defect in a transport, not the recipient's fault: worth another try.
            log.warning(
                "delivery_transport_error",
                delivery=delivery.delivery_id,
                error=type(error).__name__,
            )
            return Failure("transport_error", permanent=False)

    async def _record(self, delivery: Delivery, step: Next) -> None:
        now = self._clock.now()
        delivery_id, channel = delivery.delivery_id, delivery.channel
        match step:
            case Delivered(attempts=attempts):
                await publish_outcome(self._events, delivery, step)
                await self._deliveries.finish(
                    delivery_id, status="sent", attempts=attempts, now=now
                )
                log.info("delivery_sent", delivery=delivery_id, channel=channel, attempts=attempts)
            case RetryAt(at=at, status=status, attempts=attempts, last_error=last_error):
                await self._deliveries.schedule(
                    delivery_id,
                    status=status,
                    at=at,
                    now=now,
                    attempts=attempts,
                    last_error=last_error,
                )
                log.info(
                    "delivery_retrying",
                    delivery=delivery_id,
                    channel=channel,
                    attempts=attempts,
                    reason=last_error,
                    next_attempt_at=at.isoformat(),
                )
            case GaveUp(reason=reason, attempts=attempts, last_error=last_error):
                await publish_outcome(self._events, delivery, step)
                await self._deliveries.finish(
                    delivery_id,
                    status="failed",
                    attempts=attempts,
                    now=now,
                    last_error=last_error,
                    reason=reason,
                )
                log.warning(
                    "delivery_failed",
                    delivery=delivery_id,
                    channel=channel,
                    attempts=attempts,
                    reason=reason,
                    last_error=last_error,
                )
            case _:
                assert_never(step)
        ATTEMPTS.labels(channel=channel, outcome=OUTCOME_LABELS[type(step)]).inc()
