"""Asks another service what it holds about a person (`GET /persons/{p}/held`), with the
caller's own token: each service checks it and audits the access itself. Whatever goes
wrong — the service is down, slow, refuses the token, or answers something unreadable — is
an `Unavailable` with a reason the person can be shown, never an exception."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping

import httpx
import structlog
from peerlink_shared.subject_access import Held
from pydantic import ValidationError

from peerlink_intake.service_layer.ports import Relay, Unavailable

log = structlog.get_logger("peerlink.intake.report")
# A service's answer about one person is small; a bigger one is not read.
MAX_ANSWER_BYTES = 8 * 1024 * 1024


class PeerHoldings:
    """The HTTP client is opened when the service starts and closed when it stops."""

    def __init__(self, *, urls: Mapping[str, str], timeout: float) -> None:
        self._urls = dict(urls)
        self._timeout = timeout
        self._client: httpx.AsyncClient | None = None

    @property
    def services(self) -> list[str]:
        return list(self._urls)

    def start(self) -> None:
        # No redirects (a redirect would carry the caller's token elsewhere); no proxy from
        # the environment; every step bounded.
        self._client = httpx.AsyncClient(
            timeout=self._timeout, follow_redirects=False, trust_env=False
        )

    async def stop(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def ask(self, service: str, person_id: str, *, relay: Relay) -> Held | Unavailable:
        client = self._client
        if client is None:
            return Unavailable("this service is starting or stopping; try again")
        url = f"{self._urls[service]}/persons/{person_id}/held"
        try:
            # The client's timeout bounds each step; this bounds the whole answer (a peer
            # that trickles bytes would otherwise hold the report for ever).
            async with asyncio.timeout(self._timeout):
                status, body = await _fetch(client, url, relay)
        except (TimeoutError, httpx.TimeoutException):
            answer: Held | Unavailable = Unavailable(f"did not answer within {self._timeout:g} s")
        except httpx.HTTPError as error:
            log.warning("report_peer_error", service=service, error=type(error).__name__)
            answer = Unavailable("could not be reached")
        else:
            answer = answer_of(service, person_id, status=status, body=body)
        if isinstance(answer, Unavailable):
            log.warning("report_service_unavailable", service=service, reason=answer.reason)
        return answer


async def _fetch(client: httpx.AsyncClient, url: str, relay: Relay) -> tuple[int, bytes | None]:
    """The status and body; no body when it is larger than any holdings report."""
    async with client.stream("GET", url, headers=relay.headers()) as response:
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > MAX_ANSWER_BYTES:
                return response.status_code, None
        return response.status_code, bytes(body)


def answer_of(
    service: str, person_id: str, *, status: int, body: bytes | None
) -> Held | Unavailable:
    """What a peer's answer means for the report."""
    if status in (401, 403):
        return Unavailable(f"refused the token ({status}): {_detail(body)}")
    if status != 200:
        return Unavailable(f"answered {status}")
    if body is None:
        return Unavailable("answered more than a report can hold")
    try:
        held = Held.model_validate_json(body)
    except ValidationError:
        return Unavailable("answered something that is not a holdings report")
    if held.service != service or held.person_id != person_id:
        return Unavailable("answered for another service or person")
    return held


def _detail(body: bytes | None) -> str:
    """The refusal's own words: the services answer fixed phrases, never the token. Anything
    else is not passed on."""
    try:
        detail = json.loads(body or b"").get("detail")
    except (ValueError, AttributeError, RecursionError):
        return "no reason given"
    return detail[:300] if isinstance(detail, str) else "no reason given"
