"""Eligibility's HTTP API: a person's decision at a centre, and a centre's eligible supporters."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, HTTPException, status
from peerlink_shared.auth import Role
from peerlink_shared.http import Caller, authorize
from pydantic import BaseModel

from peerlink_eligibility.adapters.repository import EligibilityRepository

READERS = {Role.COORDINATOR, Role.OPS}


class DecisionOut(BaseModel):
    person_id: str
    centre_id: str
    eligible: bool
    reasons: list[str]
    eligible_from: dt.date | None


class EligibleSupportersOut(BaseModel):
    centre_id: str
    person_ids: list[str]


def eligibility_router(*, repository: EligibilityRepository) -> APIRouter:
    router = APIRouter(tags=["eligibility"])

    @router.get("/centres/{centre_id}/persons/{person_id}/decision", response_model=DecisionOut)
    async def read_decision(centre_id: str, person_id: str, caller: Caller) -> DecisionOut:
        authorize(caller, centre_id=centre_id, roles=READERS)
        decision = (await repository.decisions_of(person_id)).get(centre_id)
        if decision is None:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND, "no decision for this person at this centre"
            )
        return DecisionOut(
            person_id=person_id,
            centre_id=centre_id,
            eligible=decision.eligible,
            reasons=[reason.value for reason in decision.reasons],
            eligible_from=decision.eligible_from,
        )

    @router.get("/centres/{centre_id}/eligible-supporters", response_model=EligibleSupportersOut)
    async def eligible_supporters(centre_id: str, caller: Caller) -> EligibleSupportersOut:
        authorize(caller, centre_id=centre_id, roles=READERS)
        return EligibleSupportersOut(
            centre_id=centre_id, person_ids=await repository.eligible_at(centre_id)
        )

    return router
