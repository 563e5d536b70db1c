"""Asks another service what it holds about a person (`GET /persons/{p}/held`), with the
caller's own token: each service checks it and audits the access itself. Whatever goes
wrong — the service is down, slow, refuses the token, or answers something unreadable — is
an `Unavailable` with a reason the person can be shown, never an exception."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import httpx
import structlog
from peerlink_shared.person_access import ACCESS_REASON_HEADER
from peerlink_shared.subject_access import Held
from pydantic import ValidationError

log = structlog.get_logger("peerlink.intake.report")
# A service's answer about one person is small; a bigger one is not read.
MAX_ANSWER_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Relay:
    """What is passed on from the caller's request: their token, their stated reason (ops),
    and the request id, so the four audit entries can be read together."""

    authorization: str
    access_reason: str | None
    request_id: str | None

    def headers(self) -> dict[str, str]:
        found = {"Authorization": self.authorization, "Accept": "application/json"}
        if self.access_reason is not None:
            found[ACCESS_REASON_HEADER] = self.access_reason
        if self.request_id is not None:
            found["X-Request-Id"] = self.request_id
        return found


@dataclass(frozen=True)
class Unavailable:
    reason: str


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
        if self._client is None:
            return Unavailable("this service is starting or stopping; try again")
        url = f"{self._urls[service]}/persons/{person_id}/held"
        try:
            response = await self._client.get(url, headers=relay.headers())
        except httpx.TimeoutException:
            return self._unavailable(service, f"did not answer within {self._timeout:g} s")
        except httpx.HTTPError as error:
            return self._unavailable(service, "could not be reached", error=type(error).__name__)
        return self._read(service, person_id, response)

    def _read(self, service: str, person_id: str, response: httpx.Response) -> Held | Unavailable:
        if response.status_code in (401, 403):
            return self._unavailable(
                service,
                f"refused the token ({response.status_code}): {_detail(response)}",
            )
        if response.status_code != 200:
            return self._unavailable(service, f"answered {response.status_code}")
        if len(response.content) > MAX_ANSWER_BYTES:
            return self._unavailable(service, "answered more than a report can hold")
        try:
            held = Held.model_validate_json(response.content)
        except ValidationError:
            return self._unavailable(service, "answered something that is not a holdings report")
        if held.service != service or held.person_id != person_id:
            return self._unavailable(service, "answered for another service or person")
        return held

    def _unavailable(self, service: str, reason: str, *, error: str | None = None) -> Unavailable:
        log.warning("report_service_unavailable", service=service, reason=reason, error=error)
        return Unavailable(reason)


def _detail(response: httpx.Response) -> str:
    """The refusal's own words: the services answer fixed phrases, never the token. Anything
    else is not passed on."""
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        return "no reason given"
    return detail[:300] if isinstance(detail, str) else "no reason given"
