"""Deliveries: when to send, what an attempt's outcome means, and what to do next.

One delivery per (event, recipient, channel). Each attempt ends `Sent` or in a `Failure`
with a reason code; a reason code names what went wrong (`smtp_550`, `webhook_failed`) and
never an address. A webhook's code says no more than failed or refused: the recipient
chose where it leads, and what answered there is for our log, not for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from peerlink_notifications.domain.contacts import (
    Channel,
    Contact,
    ExternalChannel,
    RecipientKind,
    channels_to_use,
)
from peerlink_notifications.domain.quiet_hours import defer_past_quiet_hours

Status = Literal["pending", "deferred", "sent", "failed"]
OPEN_STATUSES: frozenset[Status] = frozenset({"pending", "deferred"})

# Reason codes that are not a server's answer.
ATTEMPTS_EXHAUSTED = "attempts_exhausted"
NO_CONSENT = "no_consent"
NO_ADDRESS = "no_address"
INVALID_RECIPIENT = "invalid_recipient"
SMS_PROVIDER_UNSET = "sms_provider_unset"
WEBHOOK_FAILED = "webhook_failed"
WEBHOOK_REFUSED = "webhook_refused"  # its host leads to an address we may not reach
NO_WEBHOOK_SECRET = "no_webhook_secret"  # registered before signing; register it again


@dataclass(frozen=True)
class Destination:
    """Where one delivery goes: the recipient's address and, for a webhook, the secret
    that signs it."""

    address: str = field(repr=False)
    secret: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Delivery:
    """One message on one external channel, as the delivery loop sees it (no address)."""

    delivery_id: str
    message_id: str
    recipient_id: str
    recipient_kind: RecipientKind
    channel: ExternalChannel
    subject: str
    text: str
    locale: str
    status: Status
    attempts: int
    next_attempt_at: datetime
    correlation_id: str
    # W3C trace context of the span that opened it: its attempts join that trace.
    traceparent: str | None = None


@dataclass(frozen=True)
class DeliveryProgress:
    """How far one delivery (in-app or external) got, as its reader is shown it: no text,
    no address."""

    delivery_id: str
    message_id: str
    recipient_id: str
    channel: Channel
    status: Status
    attempts: int
    last_error: str | None
    reason: str | None
    next_attempt_at: datetime | None
    sent_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class Sent:
    pass


@dataclass(frozen=True)
class Failure:
    reason: str
    permanent: bool


AttemptOutcome = Sent | Failure


def classify_http_status(status: int) -> AttemptOutcome:
    """2xx sent; 408, 429 and 5xx are worth another try; any other answer will not change."""
    if 200 <= status < 300:
        return Sent()
    transient = status in (408, 429) or status >= 500
    return Failure(f"http_{status}", permanent=not transient)


def classify_smtp_reply(code: int) -> Failure:
    """SMTP's own rule (RFC 5321 §4.2.1): 5yz is permanent, 4yz transient."""
    return Failure(f"smtp_{code}", permanent=500 <= code < 600)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    base_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(hours=1)

    def delay_after(self, attempt: int, *, jitter: float) -> timedelta:
        """base * 2^(attempt-1), capped, then a point in its upper half chosen by `jitter`
        (0..1): replicas and recipients that failed together drift apart, and no retry
        comes sooner than half its schedule."""
        exponential = self.base_delay * (1 << max(attempt - 1, 0))
        capped = min(exponential, self.max_delay)
        return capped * (0.5 + 0.5 * min(max(jitter, 0.0), 1.0))


@dataclass(frozen=True)
class Planned:
    channel: Channel
    status: Status
    due_at: datetime | None


def plan_deliveries(contact: Contact | None, *, now: datetime) -> list[Planned]:
    """The in-app message (kept at once, always), and one delivery per external channel
    the recipient consented to, deferred past their quiet hours."""
    quiet = contact.quiet_hours if contact else None
    due = defer_past_quiet_hours(now, quiet)
    status: Status = "deferred" if due > now else "pending"
    external = [Planned(channel, status, due) for channel in channels_to_use(contact)]
    return [Planned("in_app", "sent", None), *external]


@dataclass(frozen=True)
class Delivered:
    attempts: int


@dataclass(frozen=True)
class RetryAt:
    at: datetime
    status: Status
    attempts: int
    last_error: str


@dataclass(frozen=True)
class GaveUp:
    reason: str
    attempts: int
    last_error: str


Next = Delivered | RetryAt | GaveUp


def after_attempt(
    *,
    attempt: int,
    outcome: AttemptOutcome,
    policy: RetryPolicy,
    now: datetime,
    jitter: float,
    contact: Contact | None,
) -> Next:
    if isinstance(outcome, Sent):
        return Delivered(attempt)
    if outcome.permanent:
        return GaveUp(outcome.reason, attempt, outcome.reason)
    if attempt >= policy.max_attempts:
        return GaveUp(ATTEMPTS_EXHAUSTED, attempt, outcome.reason)
    due = now + policy.delay_after(attempt, jitter=jitter)
    at = defer_past_quiet_hours(due, contact.quiet_hours if contact else None)
    return RetryAt(at, "deferred" if at > due else "pending", attempt, outcome.reason)


def destination_for(contact: Contact | None, channel: ExternalChannel) -> Destination | Failure:
    """Where to send now, or why not: consent withdrawn or the address removed since the
    message was recorded."""
    if contact is None or channel not in contact.consent:
        return Failure(NO_CONSENT, permanent=True)
    address = contact.address(channel)
    if not address:
        return Failure(NO_ADDRESS, permanent=True)
    return Destination(address, contact.webhook_secret if channel == "webhook" else None)
