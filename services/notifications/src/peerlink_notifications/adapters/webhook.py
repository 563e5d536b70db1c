"""Webhooks, and SMS through a webhook-style provider: one JSON POST per attempt.

Every POST carries the delivery id as `Idempotency-Key` (and as `webhook-id`), the same on
every attempt, so a receiver drops a copy we resend after a lost answer. Redirects are not
followed: a recipient's endpoint answers itself. Errors become reason codes, never a URL or
a body.

A webhook leads where its owner chose, so it is checked before every attempt (public
addresses only, https), sent to the address checked, and signed; its owner hears only
`webhook_failed` or `webhook_refused`, and what answered is logged and counted here.
"""

from __future__ import annotations

import json
import ssl

import httpx
import structlog
from peerlink_shared.clock import Clock
from prometheus_client import Counter
from pydantic import JsonValue

from peerlink_notifications.adapters.webhook_signing import signature_headers
from peerlink_notifications.adapters.webhook_targets import Refused, Target, WebhookTargets
from peerlink_notifications.domain.delivery import (
    INVALID_RECIPIENT,
    NO_WEBHOOK_SECRET,
    SMS_PROVIDER_UNSET,
    WEBHOOK_FAILED,
    WEBHOOK_REFUSED,
    AttemptOutcome,
    Delivery,
    Destination,
    Failure,
    Sent,
    classify_http_status,
)

IDEMPOTENCY_HEADER = "Idempotency-Key"
USER_AGENT = "peerlink-notifications"
log = structlog.get_logger("peerlink.notifications.webhook")
WEBHOOK_RESULTS = Counter(
    "peerlink_webhook_results_total",
    "Webhook attempts by what happened: sent, http_<status>, http_timeout, "
    "http_unreachable, unresolvable, or the refused address's kind (loopback, private, ...).",
    ["result"],
)


async def post_json(
    url: str, body: dict[str, JsonValue], *, idempotency_key: str, timeout: float
) -> AttemptOutcome:
    headers = {IDEMPOTENCY_HEADER: idempotency_key, "User-Agent": USER_AGENT}
    try:
        # A client per attempt: endpoints are many and each is rarely called twice in a row.
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
            response = await client.post(url, json=body, headers=headers)
    except (httpx.InvalidURL, httpx.UnsupportedProtocol):
        return Failure(INVALID_RECIPIENT, permanent=True)
    except httpx.TimeoutException:
        return Failure("http_timeout", permanent=False)
    except httpx.HTTPError:
        return Failure("http_unreachable", permanent=False)
    return classify_http_status(response.status_code)


class WebhookTransport:
    """POSTs the message, signed, to the recipient's own endpoint at the address checked."""

    def __init__(
        self,
        *,
        targets: WebhookTargets,
        clock: Clock,
        timeout: float,
        verify: ssl.SSLContext | bool = True,
        http: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._targets = targets
        self._clock = clock
        self._timeout = timeout
        self._verify = verify
        self._http = http  # tests only: a transport that records instead of connecting

    async def send(self, delivery: Delivery, destination: Destination) -> AttemptOutcome:
        if destination.secret is None:
            # Never unsigned: registered before signing, its owner has no secret to check.
            return _failed(delivery, "no_secret", Failure(NO_WEBHOOK_SECRET, permanent=True))
        target = await self._targets.check(destination.address)
        if isinstance(target, Refused):
            return _failed(delivery, target.reason, Failure(WEBHOOK_REFUSED, permanent=True))
        if not isinstance(target, Target):
            return _failed(delivery, "unresolvable", Failure(WEBHOOK_FAILED, permanent=False))
        body = json.dumps(_body(delivery), separators=(",", ":"))
        headers = {
            "Host": target.host_header,
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            IDEMPOTENCY_HEADER: delivery.delivery_id,
            **signature_headers(
                destination.secret, message_id=delivery.delivery_id, at=self._clock.now(), body=body
            ),
        }
        try:
            # trust_env off: a proxy from the environment would connect by name, unchecked.
            async with httpx.AsyncClient(
                timeout=self._timeout,
                follow_redirects=False,
                trust_env=False,
                verify=self._verify,
                transport=self._http,
            ) as client:
                request = client.build_request(
                    "POST", target.url, content=body, headers=headers, extensions=target.extensions
                )
                # The answer's body is never read: only its status counts, whatever it sends.
                response = await client.send(request, stream=True)
                await response.aclose()
        except httpx.TimeoutException:
            return _failed(delivery, "http_timeout", Failure(WEBHOOK_FAILED, permanent=False))
        except httpx.HTTPError:
            return _failed(delivery, "http_unreachable", Failure(WEBHOOK_FAILED, permanent=False))
        outcome = classify_http_status(response.status_code)
        if isinstance(outcome, Sent):
            WEBHOOK_RESULTS.labels(result="sent").inc()
            return outcome
        return _failed(delivery, outcome.reason, Failure(WEBHOOK_FAILED, outcome.permanent))


def _body(delivery: Delivery) -> dict[str, JsonValue]:
    return {
        "message_id": delivery.message_id,
        "delivery_id": delivery.delivery_id,
        "recipient_id": delivery.recipient_id,
        "locale": delivery.locale,
        "subject": delivery.subject,
        "text": delivery.text,
    }


def _failed(delivery: Delivery, detail: str, failure: Failure) -> Failure:
    """The generic failure for the owner; the detail for us, with the delivery id only."""
    WEBHOOK_RESULTS.labels(result=detail).inc()
    log.warning(
        "webhook_attempt_failed",
        delivery=delivery.delivery_id,
        detail=detail,
        reason=failure.reason,
        permanent=failure.permanent,
    )
    return failure


class SmsTransport:
    """Asks the SMS provider to text the recipient's number; the provider is ours (set by
    ops, so trusted to be where it is), the number is theirs."""

    def __init__(self, *, provider_url: str | None, timeout: float) -> None:
        self._provider_url = provider_url
        self._timeout = timeout

    async def send(self, delivery: Delivery, destination: Destination) -> AttemptOutcome:
        if self._provider_url is None:
            return Failure(SMS_PROVIDER_UNSET, permanent=True)
        body: dict[str, JsonValue] = {
            "to": destination.address,
            "text": delivery.text,
            "reference": delivery.delivery_id,
        }
        return await post_json(
            self._provider_url, body, idempotency_key=delivery.delivery_id, timeout=self._timeout
        )
