"""Intake's HTTP API for coordinators and clinic systems. Thin: check, build, call a handler."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, HTTPException, status
from peerlink_shared.auth import Role
from peerlink_shared.contracts import CentreRegistered
from peerlink_shared.http import Caller, CentreId, authorize
from peerlink_shared.http_errors import refusals, unprocessable
from peerlink_shared.person_access import Audited, PersonCaller
from peerlink_shared.publishing import Cause

from peerlink_intake.entrypoints.fact_routes import add_fact_routes
from peerlink_intake.entrypoints.recording import RECORDERS, require_centre
from peerlink_intake.entrypoints.schemas import CentreIn, CentreOut, PersonOut
from peerlink_intake.service_layer.ports import Centres
from peerlink_intake.service_layer.recording import FactRecording
from peerlink_intake.service_layer.registration import Registration


def intake_router(
    *,
    registration: Registration,
    centres: Centres,
    recording: FactRecording,
) -> APIRouter:
    router = APIRouter(tags=["intake"])

    @router.put(
        "/centres/{centre_id}",
        status_code=status.HTTP_200_OK,
        response_model=CentreOut,
        responses=refusals(
            422,
            _422="Invalid input, a centre_id other than the path's, or a time zone this "
            "server's zone database does not know.",
        ),
    )
    async def register_centre(centre_id: CentreId, body: CentreIn, caller: Caller) -> CentreOut:
        authorize(caller, centre_id=centre_id, roles={Role.COORDINATOR, Role.OPS})
        if body.centre_id != centre_id:
            raise unprocessable(("centre_id", "must be the centre id in the path", "path_mismatch"))
        centre = CentreRegistered(**body.model_dump())
        await registration.register_centre(centre, cause=Cause.first())
        return CentreOut(**body.model_dump())

    @router.get("/centres/{centre_id}", response_model=CentreOut, responses=refusals(404))
    async def read_centre(centre_id: CentreId, caller: Caller) -> CentreOut:
        authorize(
            caller, centre_id=centre_id, roles={Role.COORDINATOR, Role.OPS, Role.CLINIC_SYSTEM}
        )
        centre = await centres.centre(centre_id)
        if centre is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such centre")
        return CentreOut(**centre.model_dump())

    @router.post(
        "/centres/{centre_id}/persons",
        status_code=status.HTTP_201_CREATED,
        response_model=PersonOut,
        responses=refusals(404, _404="No such centre: register it first."),
    )
    async def register_person(
        centre_id: CentreId, caller: PersonCaller, audited: Audited
    ) -> PersonOut:
        """Issues a pseudonymous person id, linked to this centre (their home centre) from
        now on. Intake stores no name or contact detail."""
        authorize(caller, centre_id=centre_id, roles=RECORDERS)
        await require_centre(centres, centre_id)
        while True:
            person_id = f"p-{secrets.token_hex(8)}"
            if await registration.register_person(
                person_id=person_id,
                centre_id=centre_id,
                recorded_by=caller.subject,
                cause=Cause.first(),
            ):
                audited.names(person_id)
                return PersonOut(person_id=person_id)

    add_fact_routes(router, recording=recording, tag="intake")
    return router
