"""Webhooks, and SMS through a webhook-style provider: one JSON POST per attempt.

Every POST carries the delivery id as `Idempotency-Key`, the same on every attempt, so a
receiver drops a copy we resend after a lost answer. Redirects are not followed: a
recipient's endpoint answers itself. Errors become reason codes, never a URL or a body.
"""

from __future__ import annotations

import httpx
from pydantic import JsonValue

from peerlink_notifications.domain.delivery import (
    INVALID_RECIPIENT,
    SMS_PROVIDER_UNSET,
    AttemptOutcome,
    Delivery,
    Failure,
    classify_http_status,
)

IDEMPOTENCY_HEADER = "Idempotency-Key"
USER_AGENT = "peerlink-notifications"


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
    """POSTs the message to the recipient's own endpoint."""

    def __init__(self, *, timeout: float) -> None:
        self._timeout = timeout

    async def send(self, delivery: Delivery, address: str) -> AttemptOutcome:
        body: dict[str, JsonValue] = {
            "message_id": delivery.message_id,
            "delivery_id": delivery.delivery_id,
            "recipient_id": delivery.recipient_id,
            "locale": delivery.locale,
            "subject": delivery.subject,
            "text": delivery.text,
        }
        return await post_json(
            address, body, idempotency_key=delivery.delivery_id, timeout=self._timeout
        )


class SmsTransport:
    """Asks the SMS provider to text the recipient's number; the provider is ours, the
    number is theirs."""

    def __init__(self, *, provider_url: str | None, timeout: float) -> None:
        self._provider_url = provider_url
        self._timeout = timeout

    async def send(self, delivery: Delivery, address: str) -> AttemptOutcome:
        if self._provider_url is None:
            return Failure(SMS_PROVIDER_UNSET, permanent=True)
        body: dict[str, JsonValue] = {
            "to": address,
            "text": delivery.text,
            "reference": delivery.delivery_id,
        }
        return await post_json(
            self._provider_url, body, idempotency_key=delivery.delivery_id, timeout=self._timeout
        )
