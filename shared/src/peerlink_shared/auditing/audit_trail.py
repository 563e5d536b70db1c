"""ASGI middleware: one audit entry per request to a person-data route, written before the
answer leaves.

A route is a person-data route when it takes its caller through `audited_caller` (as
`PersonCaller` or `AuditedCaller` do), so refused requests — no token, another centre, a bad
path, a body too large — are recorded like answered ones, with an anonymous actor when no
valid token came.

If the entry cannot be written, an answer that would disclose a person's data (a successful
GET) is withheld and replaced by a 503: nothing is read without a trace. Any other answer —
a change already made, a refusal — goes out as it is, and the entry's fields (ids and codes
only) are logged at error level and counted instead, so the trail can be completed from the
logs and the caller is not told a change failed when it did not.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime

import structlog
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from peerlink_shared.auditing.audit import AuditEntry, http_entry
from peerlink_shared.auditing.audit_log import AuditRecorder
from peerlink_shared.clock import Clock
from peerlink_shared.messaging.envelope import new_event_id
from peerlink_shared.observability.metrics import AUDIT_WRITE_FAILURES
from peerlink_shared.web.http_errors import depends_on
from peerlink_shared.web.person_access import SCOPE_KEY, AccessNote, audited_caller

log = structlog.get_logger("peerlink.audit")

REQUEST_ID_HEADER = "x-request-id"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
READS = frozenset({"GET", "HEAD"})
WITHHELD = json.dumps(
    {"detail": "the audit trail is unavailable, so this person's data is not shown; retry"}
).encode()


class AuditTrail:
    def __init__(
        self,
        app: ASGIApp,
        *,
        recorder: AuditRecorder,
        clock: Clock,
        service: str,
        routes: Sequence[BaseRoute],
    ) -> None:
        self._app = app
        self._recorder = recorder
        self._clock = clock
        self._service = service
        # The app's own route list, read when a request was refused before routing (a 413).
        self._routes = routes
        # Route objects by id: they live as long as the app, and are not hashable.
        self._audited: dict[int, bool] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        at = self._clock.now()
        request_id = _request_id(scope)
        note = AccessNote()
        scope[SCOPE_KEY] = note
        answered = withheld = False

        async def send_audited(message: Message) -> None:
            nonlocal answered, withheld
            if message["type"] == "http.response.start":
                answered = True
                message = _with_request_id(message, request_id)
                entry = self._entry(scope, note, at=at, status=message["status"], rid=request_id)
                if entry is not None and not await self._write(entry, scope):
                    withheld = _discloses(scope, message["status"])
                if withheld:
                    await send(_withheld_start(request_id))
                    return
            elif message["type"] == "http.response.body" and withheld:
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": WITHHELD})
                return
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self._app(scope, receive, send_audited)
            except Exception:
                # Unhandled: the server answers 500 further out; the attempt is still recorded.
                if not answered:
                    entry = self._entry(scope, note, at=at, status=500, rid=request_id)
                    if entry is not None:
                        await self._write(entry, scope)
                raise

    def _entry(
        self, scope: Scope, note: AccessNote, *, at: datetime, status: int, rid: str
    ) -> AuditEntry | None:
        route, path_params = self._route_of(scope)
        if not isinstance(route, APIRoute) or not self._is_audited(route):
            return None
        return http_entry(
            service=self._service,
            at=at,
            method=str(scope["method"]),
            route=route.path,
            path_params=path_params,
            named=note.named,
            principal=note.principal,
            status=status,
            access_reason=note.access_reason,
            request_id=rid,
        )

    def _route_of(self, scope: Scope) -> tuple[BaseRoute | None, dict[str, str]]:
        route = scope.get("route")
        if isinstance(route, BaseRoute):
            return route, _strings(scope.get("path_params", {}))
        for candidate in self._routes:
            match, child = candidate.matches(scope)
            if match is Match.FULL:
                return candidate, _strings(child.get("path_params", {}))
        return None, {}

    def _is_audited(self, route: APIRoute) -> bool:
        known = self._audited.get(id(route))
        if known is None:
            known = depends_on(route.dependant, audited_caller)
            self._audited[id(route)] = known
        return known

    async def _write(self, entry: AuditEntry, scope: Scope) -> bool:
        try:
            await self._recorder.record(entry)
        except Exception as error:
            withheld = _discloses(scope, entry.status or 500)
            AUDIT_WRITE_FAILURES.labels(answer="withheld" if withheld else "sent").inc()
            log.error(
                "audit_write_failed",
                error=type(error).__name__,
                answer="withheld" if withheld else "sent",
                entry=entry.model_dump(mode="json"),
            )
            return False
        return True


def _discloses(scope: Scope, status: int) -> bool:
    return scope["method"] in READS and status < 400


def _strings(params: object) -> dict[str, str]:
    if not isinstance(params, dict):
        return {}
    return {str(name): value for name, value in params.items() if isinstance(value, str)}


def _request_id(scope: Scope) -> str:
    headers: list[tuple[bytes, bytes]] = scope["headers"]
    for name, value in headers:
        if name == REQUEST_ID_HEADER.encode():
            text = value.decode("latin-1")
            if _REQUEST_ID.match(text):
                return text
    return new_event_id()


def _with_request_id(message: Message, request_id: str) -> Message:
    headers = [*message.get("headers", []), (REQUEST_ID_HEADER.encode(), request_id.encode())]
    return {**message, "headers": headers}


def _withheld_start(request_id: str) -> Message:
    return {
        "type": "http.response.start",
        "status": 503,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(WITHHELD)).encode()),
            (REQUEST_ID_HEADER.encode(), request_id.encode()),
        ],
    }
