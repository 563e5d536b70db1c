"""Intake's HTTP API for coordinators and clinic systems. Thin: check, build, call a handler."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, HTTPException, status
from peerlink_shared.auth import Role
from peerlink_shared.contracts import (
    AdmissionRecorded,
    BackgroundCheckCleared,
    CentreRegistered,
    CravingCheckInRecorded,
    DischargeRecorded,
    ProgrammeEnded,
    RelapseRecorded,
    SobrietyMilestoneRecorded,
    TrainingCompleted,
    VolunteeringChanged,
)
from peerlink_shared.envelope import new_event_id
from peerlink_shared.http import Caller, CentreId, PersonId, authorize
from peerlink_shared.http_errors import refusals, unprocessable
from peerlink_shared.person_access import Audited, PersonCaller

from peerlink_intake.adapters.repository import IntakeRepository
from peerlink_intake.entrypoints.recording import (
    RECORDERS,
    FactRecording,
    IdempotencyKey,
    fact_route,
    is_self,
)
from peerlink_intake.entrypoints.schemas import (
    AdmissionIn,
    BackgroundCheckIn,
    CentreIn,
    CentreOut,
    CheckInIn,
    DischargeIn,
    MilestoneIn,
    PersonOut,
    ProgrammeEndIn,
    RecordedOut,
    RelapseIn,
    TrainingIn,
    VolunteeringIn,
)
from peerlink_intake.handlers import IntakeHandlers


def intake_router(
    *,
    handlers: IntakeHandlers,
    repository: IntakeRepository,
    recording: FactRecording,
) -> APIRouter:
    router = APIRouter(tags=["intake"])
    record = recording.record

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
        await handlers.register_centre(
            centre, event_id=new_event_id(), correlation_id=new_event_id()
        )
        return CentreOut(**body.model_dump())

    @router.get("/centres/{centre_id}", response_model=CentreOut, responses=refusals(404))
    async def read_centre(centre_id: CentreId, caller: Caller) -> CentreOut:
        authorize(
            caller, centre_id=centre_id, roles={Role.COORDINATOR, Role.OPS, Role.CLINIC_SYSTEM}
        )
        centre = await repository.centre(centre_id)
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
        await recording.require_centre(centre_id)
        while True:
            person_id = f"p-{secrets.token_hex(8)}"
            if await handlers.register_person(
                person_id=person_id,
                centre_id=centre_id,
                recorded_by=caller.subject,
                correlation_id=new_event_id(),
            ):
                audited.names(person_id)
                return PersonOut(person_id=person_id)

    @fact_route(router, "admissions")
    async def record_admission(
        centre_id: CentreId,
        person_id: PersonId,
        body: AdmissionIn,
        caller: PersonCaller,
        key: IdempotencyKey = None,
    ) -> RecordedOut:
        authorize(caller, centre_id=centre_id, roles=RECORDERS)
        fact = AdmissionRecorded(person_id=person_id, centre_id=centre_id, **body.model_dump())
        return await record(fact, centre_id=centre_id, caller=caller, key=key)

    @fact_route(router, "programme-ends")
    async def record_programme_end(
        centre_id: CentreId,
        person_id: PersonId,
        body: ProgrammeEndIn,
        caller: PersonCaller,
        key: IdempotencyKey = None,
    ) -> RecordedOut:
        authorize(caller, centre_id=centre_id, roles=RECORDERS)
        fact = ProgrammeEnded(person_id=person_id, centre_id=centre_id, **body.model_dump())
        return await record(fact, centre_id=centre_id, caller=caller, key=key)

    @fact_route(router, "discharges")
    async def record_discharge(
        centre_id: CentreId,
        person_id: PersonId,
        body: DischargeIn,
        caller: PersonCaller,
        key: IdempotencyKey = None,
    ) -> RecordedOut:
        authorize(caller, centre_id=centre_id, roles=RECORDERS)
        fact = DischargeRecorded(person_id=person_id, centre_id=centre_id, **body.model_dump())
        return await record(fact, centre_id=centre_id, caller=caller, key=key)

    @fact_route(router, "sobriety-milestones")
    async def record_milestone(
        centre_id: CentreId,
        person_id: PersonId,
        body: MilestoneIn,
        caller: PersonCaller,
        key: IdempotencyKey = None,
    ) -> RecordedOut:
        authorize(caller, centre_id=centre_id, roles=RECORDERS)
        fact = SobrietyMilestoneRecorded(person_id=person_id, **body.model_dump())
        return await record(fact, centre_id=centre_id, caller=caller, key=key)

    @fact_route(router, "relapses")
    async def record_relapse(
        centre_id: CentreId,
        person_id: PersonId,
        body: RelapseIn,
        caller: PersonCaller,
        key: IdempotencyKey = None,
    ) -> RecordedOut:
        authorize(caller, centre_id=centre_id, roles=RECORDERS)
        fact = RelapseRecorded(person_id=person_id, **body.model_dump())
        return await record(fact, centre_id=centre_id, caller=caller, key=key)

    @fact_route(router, "craving-check-ins")
    async def record_check_in(
        centre_id: CentreId,
        person_id: PersonId,
        body: CheckInIn,
        caller: PersonCaller,
        key: IdempotencyKey = None,
    ) -> RecordedOut:
        """A supporter may report their own check-in; coordinators may record it for them."""
        if not is_self(caller, person_id=person_id, centre_id=centre_id):
            authorize(caller, centre_id=centre_id, roles=RECORDERS)
        fact = CravingCheckInRecorded(person_id=person_id, **body.model_dump())
        return await record(fact, centre_id=centre_id, caller=caller, key=key)

    @fact_route(router, "volunteering")
    async def record_volunteering(
        centre_id: CentreId,
        person_id: PersonId,
        body: VolunteeringIn,
        caller: PersonCaller,
        key: IdempotencyKey = None,
    ) -> RecordedOut:
        """A supporter may change their own consent; coordinators may record it for them."""
        if not is_self(caller, person_id=person_id, centre_id=centre_id):
            authorize(caller, centre_id=centre_id, roles=RECORDERS)
        fact = VolunteeringChanged(person_id=person_id, **body.model_dump())
        return await record(fact, centre_id=centre_id, caller=caller, key=key)

    @fact_route(router, "trainings")
    async def record_training(
        centre_id: CentreId,
        person_id: PersonId,
        body: TrainingIn,
        caller: PersonCaller,
        key: IdempotencyKey = None,
    ) -> RecordedOut:
        authorize(caller, centre_id=centre_id, roles=RECORDERS)
        fact = TrainingCompleted(person_id=person_id, **body.model_dump())
        return await record(fact, centre_id=centre_id, caller=caller, key=key)

    @fact_route(router, "background-checks")
    async def record_background_check(
        centre_id: CentreId,
        person_id: PersonId,
        body: BackgroundCheckIn,
        caller: PersonCaller,
        key: IdempotencyKey = None,
    ) -> RecordedOut:
        authorize(caller, centre_id=centre_id, roles=RECORDERS)
        fact = BackgroundCheckCleared(person_id=person_id, **body.model_dump())
        return await record(fact, centre_id=centre_id, caller=caller, key=key)

    return router
