"""Intake's HTTP routes to erase a person and follow the erasure: ops for every centre (with
a stated access reason), or a coordinator of a centre linked to the person."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from peerlink_shared.auth import Principal, Role
from peerlink_shared.http import PersonId
from peerlink_shared.http_errors import refusals
from peerlink_shared.person_access import PersonCaller

from peerlink_intake.domain.erasure import ErasureRequest
from peerlink_intake.entrypoints.erasure_schemas import ErasureIn, ErasureOut, erasure_out
from peerlink_intake.service_layer.erasures import Erasures, UnknownPerson, requester

ERASURE_PATH = "/persons/{person_id}/erasure"
MAY_ERASE = (
    "only ops for every centre (*), or a coordinator of a centre linked to the person, may do this"
)


def erasure_router(*, erasures: Erasures) -> APIRouter:
    router = APIRouter(tags=["erasure"])

    async def authorize_erasure(caller: Principal, person_id: str) -> ErasureRequest | None:
        """404 for an unknown person, 403 unless the caller may erase them; returns the
        person's latest request, if any."""
        try:
            concerned = await erasures.concerned(person_id)
        except UnknownPerson as error:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such person") from error
        ops = caller.role is Role.OPS and caller.spans_network
        coordinator = caller.role is Role.COORDINATOR and caller.centre in concerned.centres
        if not (ops or coordinator):
            raise HTTPException(status.HTTP_403_FORBIDDEN, MAY_ERASE)
        return concerned.latest

    @router.post(
        ERASURE_PATH,
        status_code=status.HTTP_202_ACCEPTED,
        response_model=ErasureOut,
        responses=refusals(
            403,
            404,
            _403=f"The token may not: {MAY_ERASE}; or ops without X-Access-Reason.",
            _404="No such person.",
        ),
    )
    async def request_erasure(
        person_id: PersonId, body: ErasureIn, caller: PersonCaller
    ) -> ErasureOut:
        """Forgets the person everywhere: from now on nothing more is recorded about them
        (410), their data key is destroyed, and every service deletes what it holds and
        confirms. Asking again returns the same request."""
        await authorize_erasure(caller, person_id)
        request = await erasures.request(person_id, by=requester(caller), reason=body.reason)
        return erasure_out(request)

    @router.get(
        ERASURE_PATH,
        response_model=ErasureOut,
        responses=refusals(
            403,
            404,
            _403=f"The token may not: {MAY_ERASE}; or ops without X-Access-Reason.",
            _404="No such person, or no erasure was requested for them.",
        ),
    )
    async def read_erasure(person_id: PersonId, caller: PersonCaller) -> ErasureOut:
        """Which services have confirmed, and when; `done` once all four have."""
        latest = await authorize_erasure(caller, person_id)
        if latest is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no erasure was requested")
        return erasure_out(latest)

    return router
