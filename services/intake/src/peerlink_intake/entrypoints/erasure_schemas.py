"""Request and response bodies of intake's erasure routes."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from peerlink_shared.contracts.base import PLAIN_TEXT_PATTERN
from pydantic import BaseModel, Field

from peerlink_intake.domain.erasure import SERVICES, ErasureRequest, Service
from peerlink_intake.entrypoints.schemas import Body


class ErasureIn(Body):
    reason: str = Field(
        min_length=3,
        max_length=200,
        pattern=PLAIN_TEXT_PATTERN,
        description="Why the person is to be forgotten: a ticket or a purpose, no health "
        "details. Kept with the request and in the audit trail.",
        examples=["GDPR Art. 17 request, ticket DPO-311"],
    )


class RequesterOut(BaseModel):
    role: Literal["coordinator", "ops"]
    centre: str
    subject: str


class ServiceErasureOut(BaseModel):
    service: Service
    confirmed_at: dt.datetime | None = Field(description="None until the service confirms.")
    deleted: dict[str, int] | None = Field(
        description="What the service deleted, as documents per store."
    )


class ErasureOut(BaseModel):
    request_id: str
    person_id: str
    status: Literal["open", "done"] = Field(description="Done once all four services confirmed.")
    reason: str
    requested_by: RequesterOut
    requested_at: dt.datetime
    done_at: dt.datetime | None
    services: list[ServiceErasureOut]


def erasure_out(request: ErasureRequest) -> ErasureOut:
    by = request.requested_by
    return ErasureOut(
        request_id=request.request_id,
        person_id=request.person_id,
        status="done" if request.done else "open",
        reason=request.reason,
        requested_by=RequesterOut(role=by.role, centre=by.centre, subject=by.subject),
        requested_at=request.requested_at,
        done_at=request.done_at,
        services=[
            ServiceErasureOut(
                service=service,
                confirmed_at=None if found is None else found.at,
                deleted=None if found is None else dict(found.deleted),
            )
            for service in SERVICES
            for found in [request.confirmations.get(service)]
        ],
    )
