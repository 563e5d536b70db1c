"""Calls the four services' HTTP APIs with the logged-in user's own token: the console has no
rights of its own, so a coordinator sees through it exactly what their token allows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NotRequired, TypedDict, TypeVar, Unpack

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from peerlink_console.answers import (
    Centre,
    Decision,
    Delivery,
    Job,
    Message,
    Policy,
    PolicyChange,
    PolicyPreview,
    Session,
)

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
Body = Mapping[str, object]


class Request(TypedDict):
    """What goes with a call: the user's own token, and a body or query when there is one."""

    token: str
    json: NotRequired[Body | None]
    params: NotRequired[Mapping[str, str] | None]


class ServiceError(Exception):
    """A service refused or failed; `detail` is its own words, shown escaped."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, str):
        return detail
    if isinstance(detail, list):  # FastAPI's 422: where and what
        return "; ".join(
            f"{'.'.join(str(p) for p in item.get('loc', [])[1:])}: {item.get('msg', '')}"
            for item in detail
            if isinstance(item, dict)
        )
    return response.reason_phrase


class Services:
    def __init__(self, *, client: httpx.AsyncClient, urls: Mapping[str, str]) -> None:
        self._client = client
        self._urls = urls

    async def _call(
        self, method: str, service: str, path: str, **request: Unpack[Request]
    ) -> httpx.Response:
        try:
            response = await self._client.request(
                method,
                f"{self._urls[service]}{path}",
                headers={"Authorization": f"Bearer {request['token']}"},
                json=request.get("json"),
                params=request.get("params"),
            )
        except httpx.HTTPError as error:
            raise ServiceError(503, f"{service} cannot be reached") from error
        if response.status_code >= 400:
            raise ServiceError(response.status_code, _detail(response))
        return response

    async def _read(
        self, shape: type[T], method: str, service: str, path: str, **request: Unpack[Request]
    ) -> T:
        response = await self._call(method, service, path, **request)
        try:
            return TypeAdapter(shape).validate_json(response.content)
        except ValidationError as error:
            raise ServiceError(
                502, f"{service} answered in a shape the console cannot read"
            ) from error

    async def centre(self, centre: str, *, token: str) -> Centre:
        return await self._read(Centre, "GET", "intake", f"/centres/{centre}", token=token)

    async def decisions(self, centre: str, *, token: str, eligible: bool | None) -> list[Decision]:
        params = {} if eligible is None else {"eligible": "true" if eligible else "false"}
        return await self._read(
            list[Decision],
            "GET",
            "eligibility",
            f"/centres/{centre}/decisions",
            token=token,
            params=params,
        )

    async def policy(self, centre: str, *, token: str) -> Policy:
        return await self._read(
            Policy, "GET", "eligibility", f"/centres/{centre}/policy", token=token
        )

    async def policy_versions(self, centre: str, *, token: str) -> list[Policy]:
        return await self._read(
            list[Policy], "GET", "eligibility", f"/centres/{centre}/policy/versions", token=token
        )

    async def preview_policy(self, centre: str, body: Body, *, token: str) -> PolicyPreview:
        return await self._read(
            PolicyPreview,
            "POST",
            "eligibility",
            f"/centres/{centre}/policy/preview",
            token=token,
            json=body,
        )

    async def change_policy(self, centre: str, body: Body, *, token: str) -> PolicyChange:
        return await self._read(
            PolicyChange, "PUT", "eligibility", f"/centres/{centre}/policy", token=token, json=body
        )

    async def job(self, job_id: str, *, token: str) -> Job:
        return await self._read(Job, "GET", "eligibility", f"/jobs/{job_id}", token=token)

    async def sessions(self, centre: str, *, token: str) -> list[Session]:
        return await self._read(
            list[Session], "GET", "scheduling", f"/centres/{centre}/sessions", token=token
        )

    async def request_session(self, centre: str, body: Body, *, token: str) -> Session:
        return await self._read(
            Session, "POST", "scheduling", f"/centres/{centre}/sessions", token=token, json=body
        )

    async def cancel_session(self, centre: str, session_id: str, *, token: str) -> None:
        await self._call(
            "DELETE", "scheduling", f"/centres/{centre}/sessions/{session_id}", token=token
        )

    async def messages(self, centre: str, *, token: str) -> list[Message]:
        return await self._read(
            list[Message], "GET", "notifications", f"/centres/{centre}/messages", token=token
        )

    async def deliveries(self, centre: str, *, token: str) -> list[Delivery]:
        return await self._read(
            list[Delivery], "GET", "notifications", f"/centres/{centre}/deliveries", token=token
        )
