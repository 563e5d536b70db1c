"""Intake's HTTP API for coordinators and clinic systems. Thin: check, build, call a handler."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Header, HTTPException, status
from peerlink_shared.auth import Principal, Role
from peerlink_shared.clock import Clock
from peerlink_shared.contracts import (
    AdmissionRecorded,
    BackgroundCheckCleared,
    CentreFact,
    CentreRegistered,
    CravingCheckInRecorded,
    DischargeRecorded,
    PersonFact,
    ProgrammeEnded,
    RelapseRecorded,
    SobrietyMilestoneRecorded,
    TrainingCompleted,
    VolunteeringChanged,
)
from peerlink_shared.envelope import derived_event_id, new_event_id
from peerlink_shared.http import Caller, CentreId, PersonId, authorize

from peerlink_intake.adapters.repository import IntakeRepository
from peerlink_intake.domain.checks import FactProblem, latest_local_date
from peerlink_intake.entrypoints.schemas import (
    AdmissionIn,
    BackgroundCheckIn,
    CentreIn,
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
from peerlink_intake.handlers import EventIdReused, IntakeHandlers
from peerlink_intake.validation import fact_problems

Route = TypeVar("Route", bound=Callable[..., Awaitable[RecordedOut]])
RECORDERS = {Role.COORDINATOR, Role.CLINIC_SYSTEM, Role.OPS}
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=128,
        description="Send the same key to retry safely: the fact is recorded once.",
    ),
]


def unprocessable(problems: list[FactProblem]) -> HTTPException:
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        [{"loc": ["body", p.field], "msg": p.message, "type": "fact_incoherent"} for p in problems],
    )


def intake_router(
    *,
    handlers: IntakeHandlers,
    repository: IntakeRepository,
    clock: Clock,
) -> APIRouter:
    router = APIRouter(tags=["intake"])

    @router.put("/centres/{centre_id}", status_code=status.HTTP_200_OK, response_model=CentreIn)
    async def register_centre(centre_id: CentreId, body: CentreIn, caller: Caller) -> CentreIn:
        authorize(caller, centre_id=centre_id, roles={Role.COORDINATOR, Role.OPS})
        if body.centre_id != centre_id:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, "centre_id differs from the path"
            )
        centre = CentreRegistered(**body.model_dump())
        await handlers.register_centre(
            centre, event_id=new_event_id(), correlation_id=new_event_id()
        )
        return body

    @router.get("/centres/{centre_id}", response_model=CentreIn)
    async def read_centre(centre_id: CentreId, caller: Caller) -> CentreIn:
        authorize(
            caller, centre_id=centre_id, roles={Role.COORDINATOR, Role.OPS, Role.CLINIC_SYSTEM}
        )
        centre = await repository.centre(centre_id)
        if centre is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such centre")
        return CentreIn(**centre.model_dump())

    @router.post(
        "/centres/{centre_id}/persons",
        status_code=status.HTTP_201_CREATED,
        response_model=PersonOut,
    )
    async def register_person(centre_id: CentreId, caller: Caller) -> PersonOut:
        """Issues a pseudonymous person id. Intake stores no name or contact detail."""
        authorize(caller, centre_id=centre_id, roles=RECORDERS)
        await require_centre(centre_id)
        while True:
            person_id = f"p-{secrets.token_hex(8)}"
            if await repository.add_person(
                person_id=person_id, centre_id=centre_id, at=clock.now()
            ):
                return PersonOut(person_id=person_id)

    async def require_centre(centre_id: str) -> None:
        if not await repository.centre_exists(centre_id):
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such centre; register it first")

    async def record(
        fact: PersonFact, *, centre_id: str, caller: Principal, key: str | None
    ) -> RecordedOut:
        if problems := fact_problems(fact, today=latest_local_date(clock.now())):
            raise unprocessable(problems)
        if isinstance(fact, CentreFact):
            await require_centre(centre_id)
        centres = await repository.centres_of(fact.person_id)
        if centres is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such person")
        # Only an admission links a person to a new centre; every other fact needs the link,
        # so one centre cannot alter another centre's people.
        if centre_id not in centres and not isinstance(fact, AdmissionRecorded):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, "this person is not registered or admitted here"
            )
        event_id = (
            new_event_id()
            if key is None
            else derived_event_id("http", caller.centre, fact.person_id, key)
        )
        try:
            recorded = await handlers.record_person_fact(
                fact, event_id=event_id, correlation_id=event_id
            )
        except EventIdReused as error:
            raise HTTPException(
                status.HTTP_409_CONFLICT, "this Idempotency-Key was used for a different fact"
            ) from error
        if isinstance(fact, AdmissionRecorded):
            await repository.link_centre(fact.person_id, fact.centre_id)
        return RecordedOut(
            event_id=recorded.event_id, event_type=recorded.event_type, duplicate=recorded.duplicate
        )

    base = "/centres/{centre_id}/persons/{person_id}"

    def fact_route(path: str) -> Callable[[Route], Route]:
        return router.post(
            f"{base}/{path}", status_code=status.HTTP_202_ACCEPTED, response_model=RecordedOut
        )

    @fact_route("admissions")
    async def record_admission(
        centre_id: CentreId,
        person_id: PersonId,
        body: AdmissionIn,
        caller: Caller,
        key: IdempotencyKey = None,
    ) -> RecordedOut:
        authorize(caller, centre_id=centre_id, roles=RECORDERS)
        fact = AdmissionRecorded(person_id=person_id, centre_id=centre_id, **body.model_dump())
        return await record(fact, centre_id=centre_id, caller=caller, key=key)

    @fact_route("programme-ends")
    async def record_programme_end(
        centre_id: CentreId,
        person_id: PersonId,
        body: ProgrammeEndIn,
        caller: Caller,
        key: IdempotencyKey = None,
    ) -> RecordedOut:
        authorize(caller, centre_id=centre_id, roles=RECORDERS)
        fact = ProgrammeEnded(person_id=person_id, centre_id=centre_id, **body.model_dump())
        return await record(fact, centre_id=centre_id, caller=caller, key=key)

    @fact_route("discharges")
    async def record_discharge(
        centre_id: CentreId,
        person_id: PersonId,
        body: DischargeIn,
        caller: Caller,
        key: IdempotencyKey = None,
    ) -> RecordedOut:
        authorize(caller, centre_id=centre_id, roles=RECORDERS)
        fact = DischargeRecorded(person_id=person_id, centre_id=centre_id, **body.model_dump())
        return await record(fact, centre_id=centre_id, caller=caller, key=key)

    @fact_route("sobriety-milestones")
    async def record_milestone(
        centre_id: CentreId,
        person_id: PersonId,
        body: MilestoneIn,
        caller: Caller,
        key: IdempotencyKey = None,
    ) -> RecordedOut:
        authorize(caller, centre_id=centre_id, roles=RECORDERS)
        fact = SobrietyMilestoneRecorded(person_id=person_id, **body.model_dump())
        return await record(fact, centre_id=centre_id, caller=caller, key=key)

    @fact_route("relapses")
    async def record_relapse(
        centre_id: CentreId,
        person_id: PersonId,
        body: RelapseIn,
        caller: Caller,
        key: IdempotencyKey = None,
    ) -> RecordedOut:
        authorize(caller, centre_id=centre_id, roles=RECORDERS)
        fact = RelapseRecorded(person_id=person_id, **body.model_dump())
        return await record(fact, centre_id=centre_id, caller=caller, key=key)

    @fact_route("craving-check-ins")
    async def record_check_in(
        centre_id: CentreId,
        person_id: PersonId,
        body: CheckInIn,
        caller: Caller,
        key: IdempotencyKey = None,
    ) -> RecordedOut:
        """A supporter may report their own check-in; coordinators may record it for them."""
        if not is_self(caller, person_id=person_id, centre_id=centre_id):
            authorize(caller, centre_id=centre_id, roles=RECORDERS)
        fact = CravingCheckInRecorded(person_id=person_id, **body.model_dump())
        return await record(fact, centre_id=centre_id, caller=caller, key=key)

    @fact_route("volunteering")
    async def record_volunteering(
        centre_id: CentreId,
        person_id: PersonId,
        body: VolunteeringIn,
        caller: Caller,
        key: IdempotencyKey = None,
    ) -> RecordedOut:
        """A supporter may change their own consent; coordinators may record it for them."""
        if not is_self(caller, person_id=person_id, centre_id=centre_id):
            authorize(caller, centre_id=centre_id, roles=RECORDERS)
        fact = VolunteeringChanged(person_id=person_id, **body.model_dump())
        return await record(fact, centre_id=centre_id, caller=caller, key=key)

    @fact_route("trainings")
    async def record_training(
        centre_id: CentreId,
        person_id: PersonId,
        body: TrainingIn,
        caller: Caller,
        key: IdempotencyKey = None,
    ) -> RecordedOut:
        authorize(caller, centre_id=centre_id, roles=RECORDERS)
        fact = TrainingCompleted(person_id=person_id, **body.model_dump())
        return await record(fact, centre_id=centre_id, caller=caller, key=key)

    @fact_route("background-checks")
    async def record_background_check(
        centre_id: CentreId,
        person_id: PersonId,
        body: BackgroundCheckIn,
        caller: Caller,
        key: IdempotencyKey = None,
    ) -> RecordedOut:
        authorize(caller, centre_id=centre_id, roles=RECORDERS)
        fact = BackgroundCheckCleared(person_id=person_id, **body.model_dump())
        return await record(fact, centre_id=centre_id, caller=caller, key=key)

    return router


def is_self(caller: Principal, *, person_id: str, centre_id: str) -> bool:
    return (
        caller.role is Role.SUPPORTER
        and caller.subject == person_id
        and caller.may_act_for(centre_id)
    )
