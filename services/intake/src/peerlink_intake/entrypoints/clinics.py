"""Intake's HTTP API for clinic systems' grants: which centres each may act for, versioned.

Ops register a clinic (beside its topic and Kafka principal) and may set its whole list; a
centre's coordinator may grant or revoke it for their own centre only.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, status
from peerlink_shared.auth import ALL_CENTRES, Principal, Role
from peerlink_shared.http import Caller, CentreId, authorize
from peerlink_shared.http_errors import refusals
from peerlink_shared.mongo import each
from peerlink_shared.topics import CLINIC_ID_PATTERN, RESERVED_CLINIC_IDS

from peerlink_intake.domain.clinics import ChangedBy, ClinicGrants
from peerlink_intake.entrypoints.recording import require_centre
from peerlink_intake.entrypoints.schemas import ChangedByOut, ClinicIn, ClinicOut
from peerlink_intake.service_layer.clinic_grants import (
    ClinicGrantChanges,
    ClinicNotRegistered,
    ConcurrentChanges,
)
from peerlink_intake.service_layer.ports import Centres, ClinicGrantStore

ClinicId = Annotated[
    str,
    Path(
        pattern=CLINIC_ID_PATTERN,
        examples=["harbour-ehr"],
        description="Lowercase letters, digits and '-': it names the clinic's inbound topic.",
    ),
]
# Any centre's coordinator may read a clinic's grants: which centres a clinic system serves
# is no one's personal data, and shows a coordinator who else it speaks for.
READERS = {Role.OPS, Role.COORDINATOR}
GRANTERS = {Role.OPS, Role.COORDINATOR}
CONFLICT: dict[int | str, dict[str, object]] = {
    409: {"description": "Other changes to this clinic kept winning; retry."}
}


NOT_REGISTERED = refusals(404, _404="No such clinic: register it with PUT /clinics/{clinic}.")
NO_CENTRE = refusals(404, _404="No such centre: register it first.")


def clinics_router(
    *, changes: ClinicGrantChanges, clinics: ClinicGrantStore, centres: Centres
) -> APIRouter:
    router = APIRouter(tags=["clinics"])

    @router.put("/clinics/{clinic}", response_model=ClinicOut, responses=CONFLICT)
    async def register_clinic(clinic: ClinicId, body: ClinicIn, caller: Caller) -> ClinicOut:
        """Registers a clinic system, or replaces the whole list of centres it may act for
        (network-wide ops only). The same list again makes no new version."""
        authorize(caller, centre_id=ALL_CENTRES, roles={Role.OPS})
        usable(clinic)
        known = await each(body.centres, centres.centre_exists)
        problems = [
            problem(index, "is listed twice", "duplicate")
            for index, centre in enumerate(body.centres)
            if centre in body.centres[:index]
        ] + [
            problem(index, "is not a registered centre", "unknown_centre")
            for index, exists in enumerate(known)
            if not exists
        ]
        if problems:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, problems)
        return await change(changes.replace(clinic, frozenset(body.centres), by=who(caller)))

    @router.get("/clinics/{clinic}", response_model=ClinicOut, responses=NOT_REGISTERED)
    async def read_clinic(clinic: ClinicId, caller: Caller) -> ClinicOut:
        """The current version: the centres the clinic may act for now."""
        authorize(caller, centre_id=caller.centre, roles=READERS)  # the role, at any centre
        current = await clinics.current(clinic)
        if current is None:
            raise not_registered()
        return clinic_out(current)

    @router.get(
        "/clinics/{clinic}/versions", response_model=list[ClinicOut], responses=NOT_REGISTERED
    )
    async def clinic_history(clinic: ClinicId, caller: Caller) -> list[ClinicOut]:
        """Every version, oldest first: who changed what, and when."""
        authorize(caller, centre_id=caller.centre, roles=READERS)  # the role, at any centre
        versions = await clinics.history(clinic)
        if not versions:
            raise not_registered()
        return [clinic_out(grants) for grants in versions]

    @router.put(
        "/clinics/{clinic}/centres/{centre_id}",
        response_model=ClinicOut,
        responses={**CONFLICT, **NO_CENTRE},
    )
    async def grant(clinic: ClinicId, centre_id: CentreId, caller: Caller) -> ClinicOut:
        """Lets the clinic act for this centre (its coordinator, or ops)."""
        authorize(caller, centre_id=centre_id, roles=GRANTERS)
        await require_centre(centres, centre_id)
        return await change(changes.grant(clinic, centre_id, by=who(caller)))

    @router.delete(
        "/clinics/{clinic}/centres/{centre_id}",
        response_model=ClinicOut,
        responses={**CONFLICT, **NO_CENTRE},
    )
    async def revoke(clinic: ClinicId, centre_id: CentreId, caller: Caller) -> ClinicOut:
        """Stops the clinic acting for this centre: its events about the centre's people
        are refused from now on (its coordinator, or ops)."""
        authorize(caller, centre_id=centre_id, roles=GRANTERS)
        await require_centre(centres, centre_id)
        return await change(changes.revoke(clinic, centre_id, by=who(caller)))

    return router


async def change(changing: Awaitable[ClinicGrants]) -> ClinicOut:
    """Awaits a change and answers it, or says why it could not be made."""
    try:
        grants = await changing
    except ClinicNotRegistered as error:
        raise not_registered() from error
    except ConcurrentChanges as error:
        raise HTTPException(
            status.HTTP_409_CONFLICT, "this clinic changed meanwhile; read it and retry"
        ) from error
    return clinic_out(grants)


def usable(clinic: str) -> None:
    if clinic in RESERVED_CLINIC_IDS:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            [{"loc": ["path", "clinic"], "msg": "is a reserved name", "type": "reserved"}],
        )


def problem(index: int, message: str, kind: str) -> dict[str, object]:
    return {"loc": ["body", "centres", index], "msg": message, "type": kind}


def not_registered() -> HTTPException:
    return HTTPException(
        status.HTTP_404_NOT_FOUND, "no such clinic; ops register it with PUT /clinics/{clinic}"
    )


def who(caller: Principal) -> ChangedBy:
    return ChangedBy(subject=caller.subject, role=caller.role.value, centre=caller.centre)


def clinic_out(grants: ClinicGrants) -> ClinicOut:
    by = grants.changed_by
    return ClinicOut(
        clinic=grants.clinic,
        version=grants.version,
        centres=sorted(grants.centres),
        change=grants.change,
        centre=grants.centre,
        changed_by=ChangedByOut(subject=by.subject, role=by.role, centre=by.centre),
        changed_at=grants.changed_at,
    )
