"""`GET /persons/{person_id}/report`: what PeerLink holds about a person, from every service,
for the person themself (or ops for every centre, with a stated reason). JSON, or a printable
page for `Accept: text/html` or `?format=html`."""

from __future__ import annotations

from typing import Annotated, Literal

import structlog
from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from fastapi.responses import HTMLResponse, JSONResponse
from peerlink_shared.http import PersonId, authorize_self
from peerlink_shared.http_errors import refusals
from peerlink_shared.person_access import Audited, PersonCaller

from peerlink_intake.entrypoints.report_page import report_page
from peerlink_intake.service_layer.ports import Relay
from peerlink_intake.service_layer.subject_access import (
    SubjectAccess,
    SubjectAccessReport,
    UnknownPerson,
)

ReportFormat = Annotated[
    Literal["json", "html"] | None,
    Query(description="`html` for a printable page; otherwise as the Accept header asks."),
]
# A person's whole record: never kept by a browser or a proxy on the way.
PRIVATE = {"Cache-Control": "no-store"}
# The page runs nothing and loads nothing; only its own inline style applies.
PAGE_POLICY = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}


def report_router(*, subject_access: SubjectAccess) -> APIRouter:
    router = APIRouter(tags=["subject access"])

    @router.get(
        "/persons/{person_id}/report",
        response_model=SubjectAccessReport,
        summary="What PeerLink holds about the person, from every service, and why",
        responses={
            200: {"content": {"text/html": {"schema": {"type": "string"}}}},
            **refusals(404, _404="No such person."),
        },
    )
    async def subject_access_report(
        person_id: PersonId,
        request: Request,
        caller: PersonCaller,
        audited: Audited,
        format: ReportFormat = None,
    ) -> Response:
        """Every service's stores that hold something about the person, with the records,
        why each is kept and for how long. The other services are asked with the caller's
        own token (it must name each service in `aud`); one that cannot be reached or
        refuses is listed as unavailable, and the report as incomplete."""
        authorize_self(caller, person_id=person_id)
        relay = Relay(
            authorization=request.headers["authorization"],
            access_reason=audited.access_reason,
            request_id=structlog.contextvars.get_contextvars().get("request_id"),
        )
        try:
            report = await subject_access.report(person_id, caller=caller, relay=relay)
        except UnknownPerson as error:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such person") from error
        if format == "html" or (format is None and _wants_html(request)):
            return HTMLResponse(report_page(report), headers={**PRIVATE, **PAGE_POLICY})
        return JSONResponse(report.model_dump(mode="json"), headers=PRIVATE)

    return router


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")
