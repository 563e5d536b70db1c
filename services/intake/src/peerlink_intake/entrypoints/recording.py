"""Recording a person fact from an HTTP request: the checks every fact route shares, and
what each refusal answers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Header, HTTPException, status
from peerlink_shared.contracts import PersonFact
from peerlink_shared.messaging.envelope import derived_event_id, new_event_id
from peerlink_shared.messaging.publishing import Cause
from peerlink_shared.security.auth import Principal, Role
from peerlink_shared.web.http_errors import refusals, unprocessable

from peerlink_intake.domain.checks import FactProblem
from peerlink_intake.domain.erasure import Erased
from peerlink_intake.domain.links import RefusalKind
from peerlink_intake.entrypoints.schemas import RecordedOut
from peerlink_intake.service_layer.errors import (
    EventIdReused,
    FactIncoherent,
    LinkRefused,
    UnknownCentre,
    UnknownPerson,
)
from peerlink_intake.service_layer.ports import Centres
from peerlink_intake.service_layer.recording import FactRecording, RecordFact

RECORDERS = {Role.COORDINATOR, Role.CLINIC_SYSTEM, Role.OPS}
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=r"^[\x21-\x7e]{1,128}$",
        description="Send the same key to retry safely: the fact is recorded once.",
    ),
]
REFUSAL_STATUS = {
    RefusalKind.NOT_LINKED: status.HTTP_403_FORBIDDEN,
    RefusalKind.NO_REFERRAL: status.HTTP_403_FORBIDDEN,
    RefusalKind.ALREADY_LINKED: status.HTTP_409_CONFLICT,
    RefusalKind.NO_CONSENT: status.HTTP_409_CONFLICT,
    RefusalKind.CONSENT_DATE: status.HTTP_409_CONFLICT,
}


FACT_REFUSALS = refusals(
    403,
    404,
    409,
    410,
    422,
    _403="The token may not record this here, or this centre is not linked to the person "
    "(or, on accepting, no such referral).",
    _404="No such person, or a centre the fact names is not registered.",
    _409="Already linked; on withdrawing a consent, no consent to that centre stands (or it is "
    "dated after the withdrawal); on consenting, a withdrawal on or after that day; or the "
    "Idempotency-Key was used for a different fact.",
    _422="Invalid input, or a fact that contradicts itself or the calendar (a date in the "
    "future, an end before its start).",
)

PERSON_PATH = "/centres/{centre_id}/persons/{person_id}"
NO_CENTRE = "no such centre; register it first"
ERASED_DETAIL = "this person was erased at their request: nothing more can be recorded about them"
Route = TypeVar("Route", bound=Callable[..., Awaitable[RecordedOut]])


def fact_route(router: APIRouter, path: str) -> Callable[[Route], Route]:
    """A route that records one fact about a person at a centre: 202 with the fact's id, or
    one of the refusals every fact can meet."""
    return router.post(
        f"{PERSON_PATH}/{path}",
        status_code=status.HTTP_202_ACCEPTED,
        response_model=RecordedOut,
        responses=FACT_REFUSALS,
    )


async def require_centre(centres: Centres, centre_id: str) -> None:
    if not await centres.centre_exists(centre_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, NO_CENTRE)


def incoherent(problems: list[FactProblem]) -> HTTPException:
    return unprocessable(*((p.field, p.message, "fact_incoherent") for p in problems))


def is_self(caller: Principal, *, person_id: str, centre_id: str) -> bool:
    return (
        caller.role is Role.SUPPORTER
        and caller.subject == person_id
        and caller.may_act_for(centre_id)
    )


async def record(
    recording: FactRecording,
    fact: PersonFact,
    *,
    centre_id: str,
    caller: Principal,
    key: str | None,
) -> RecordedOut:
    """Records a fact through `centre_id` (the path's centre), which must be linked to the
    person; each refusal as the status it answers."""
    event_id = (
        new_event_id()
        if key is None
        else derived_event_id("http", caller.centre, fact.person_id, key)
    )
    command = RecordFact(
        fact,
        event_id=event_id,
        cause=Cause(correlation_id=event_id),
        at_centre=centre_id,
        recorded_by=caller.subject,
    )
    try:
        recorded = await recording.record(command)
    except FactIncoherent as error:
        raise incoherent(error.problems) from error
    except UnknownCentre as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NO_CENTRE) from error
    except UnknownPerson as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such person") from error
    except Erased as error:
        raise HTTPException(status.HTTP_410_GONE, ERASED_DETAIL) from error
    except LinkRefused as error:
        refusal = error.refusal
        raise HTTPException(REFUSAL_STATUS[refusal.kind], refusal.message) from error
    except EventIdReused as error:
        raise HTTPException(
            status.HTTP_409_CONFLICT, "this Idempotency-Key was used for a different fact"
        ) from error
    return RecordedOut(
        event_id=recorded.event_id, event_type=recorded.event_type, duplicate=recorded.duplicate
    )
