"""Eligibility's HTTP API: decisions with reasons, eligible supporters, policies, job status."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, status
from peerlink_shared.contracts.base import OPAQUE_ID_PATTERN
from peerlink_shared.security.auth import Principal, Role
from peerlink_shared.web.http import Caller, CentreId, PersonId, authorize
from peerlink_shared.web.http_errors import refusals
from peerlink_shared.web.person_access import Audited, PersonCaller

from peerlink_eligibility.domain.policy import Policy
from peerlink_eligibility.entrypoints.http_models import (
    MAX_NAMED,
    DecisionOut,
    EligibleSupportersOut,
    JobOut,
    PolicyChangeOut,
    PolicyIn,
    PolicyOut,
    PolicyPreviewIn,
    PolicyPreviewOut,
    StandingOut,
    decision_out,
    policy_out,
    standing_out,
)
from peerlink_eligibility.service_layer.decision_reads import (
    DecisionReads,
    NoDecision,
    NotOwnPerson,
)
from peerlink_eligibility.service_layer.policy_changes import PolicyChanges, VersionConflict
from peerlink_eligibility.service_layer.policy_previews import PolicyPreviews
from peerlink_eligibility.service_layer.ports import JobStore, PolicyStore

READERS = {Role.COORDINATOR, Role.OPS}
# Job ids are the ids of the policy-change events that started them.
JobId = Annotated[str, Path(pattern=OPAQUE_ID_PATTERN, examples=["7d1c0f52-4a8e-4d0b-9a51"])]


def _sees_all(caller: Principal) -> bool:
    """Ops see every person's reasons; a coordinator only their own centre's people's."""
    return caller.role is Role.OPS


def eligibility_router(
    *,
    reads: DecisionReads,
    policies: PolicyStore,
    policy_changes: PolicyChanges,
    previews: PolicyPreviews,
    jobs: JobStore,
) -> APIRouter:
    router = APIRouter(tags=["eligibility"])

    @router.get(
        "/centres/{centre_id}/persons/{person_id}/decision",
        response_model=DecisionOut,
        responses=refusals(
            403,
            404,
            _403="Not one of this centre's people (see .../standing), or the token may not "
            "read them here.",
            _404="No decision for this person here.",
        ),
    )
    async def read_decision(
        centre_id: CentreId, person_id: PersonId, caller: PersonCaller
    ) -> DecisionOut:
        """The decision with its reasons, for the centre's own people (linked to it)."""
        authorize(caller, centre_id=centre_id, roles=READERS)
        try:
            stored = await reads.decision(person_id, centre_id, sees_all=_sees_all(caller))
        except NotOwnPerson as error:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                "this person is not linked to this centre: their reasons are their own "
                "centres' to see (a network graduate's standing is at .../standing)",
            ) from error
        except NoDecision as error:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND, "no decision for this person here"
            ) from error
        return decision_out(stored.decision, trace_id=stored.trace_id)

    @router.get(
        "/centres/{centre_id}/persons/{person_id}/standing",
        response_model=StandingOut,
        responses=refusals(404, _404="No standing here that this centre may see."),
    )
    async def read_standing(
        centre_id: CentreId, person_id: PersonId, caller: PersonCaller
    ) -> StandingOut:
        """Eligible, or not yet and from when: for the centre's own people, and for a
        network graduate who chose to be offered across the network."""
        authorize(caller, centre_id=centre_id, roles=READERS)
        try:
            decision = await reads.standing(person_id, centre_id, sees_all=_sees_all(caller))
        except NoDecision as error:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND, "no standing for this person here"
            ) from error
        return standing_out(decision)

    @router.get("/persons/{person_id}/decisions", response_model=list[DecisionOut])
    async def read_decisions(person_id: PersonId, caller: PersonCaller) -> list[DecisionOut]:
        """Every centre's decision for a person, for ops (coordinators see their centre's)."""
        authorize(caller, centre_id="*", roles={Role.OPS})
        stored = await reads.decisions_of(person_id)
        return [decision_out(s.decision, trace_id=s.trace_id) for s in stored]

    @router.get("/centres/{centre_id}/eligible-supporters", response_model=EligibleSupportersOut)
    async def eligible_supporters(
        centre_id: CentreId, caller: PersonCaller, audited: Audited
    ) -> EligibleSupportersOut:
        authorize(caller, centre_id=centre_id, roles=READERS)
        person_ids = await reads.eligible_at(centre_id)
        audited.names(*person_ids)
        return EligibleSupportersOut(centre_id=centre_id, person_ids=person_ids)

    @router.get("/centres/{centre_id}/decisions", response_model=list[DecisionOut])
    async def centre_decisions(
        centre_id: CentreId,
        caller: PersonCaller,
        audited: Audited,
        eligible: Annotated[
            bool | None, Query(description="Only the eligible (true) or the not yet (false).")
        ] = None,
    ) -> list[DecisionOut]:
        """The decision and its reasons for each of the centre's own people (linked to it):
        the coordinator's pool. Network graduates are not listed: their reasons are their own
        centres' (the eligible ones are in .../eligible-supporters)."""
        authorize(caller, centre_id=centre_id, roles=READERS)
        shown = await reads.own_people(centre_id, eligible=eligible)
        audited.names(*(s.decision.person_id for s in shown))
        return [decision_out(s.decision, trace_id=s.trace_id) for s in shown]

    @router.get("/centres/{centre_id}/policy", response_model=PolicyOut)
    async def read_policy(centre_id: CentreId, caller: Caller) -> PolicyOut:
        authorize(caller, centre_id=centre_id, roles=READERS)
        return policy_out(await policies.current(centre_id))

    @router.get("/centres/{centre_id}/policy/versions", response_model=list[PolicyOut])
    async def policy_history(centre_id: CentreId, caller: Caller) -> list[PolicyOut]:
        authorize(caller, centre_id=centre_id, roles=READERS)
        return [policy_out(policy) for policy in await policies.history(centre_id)]

    @router.put(
        "/centres/{centre_id}/policy",
        status_code=status.HTTP_202_ACCEPTED,
        response_model=PolicyChangeOut,
        responses=refusals(409, _409="The policy changed since expected_version."),
    )
    async def change_policy(centre_id: CentreId, body: PolicyIn, caller: Caller) -> PolicyChangeOut:
        """Stores a new version and re-decides everyone it concerns, in the background."""
        authorize(caller, centre_id=centre_id, roles=READERS)
        wanted = Policy(centre_id=centre_id, **body.model_dump(exclude={"expected_version"}))
        try:
            policy, job_id = await policy_changes.change(
                wanted, expected_version=body.expected_version
            )
        except VersionConflict as error:
            raise HTTPException(
                status.HTTP_409_CONFLICT, "the policy changed meanwhile; read it and retry"
            ) from error
        return PolicyChangeOut(policy=policy_out(policy), job_id=job_id)

    @router.post(
        "/centres/{centre_id}/policy/preview",
        response_model=PolicyPreviewOut,
        responses={409: {"description": "The policy changed since expected_version."}},
    )
    async def preview_policy(
        centre_id: CentreId, body: PolicyPreviewIn, caller: PersonCaller, audited: Audited
    ) -> PolicyPreviewOut:
        """What the proposed policy would change, from the facts as they are; writes nothing.
        Names the centre's own people who would gain or lose eligibility; counts the network
        graduates, whose reasons are not the centre's to see."""
        authorize(caller, centre_id=centre_id, roles=READERS)
        proposed = Policy(centre_id=centre_id, **body.model_dump(exclude={"expected_version"}))
        try:
            found = await previews.preview(proposed, expected_version=body.expected_version)
        except VersionConflict as error:
            raise HTTPException(
                status.HTTP_409_CONFLICT, "the policy changed meanwhile; read it and retry"
            ) from error
        gaining, losing = found.gaining[:MAX_NAMED], found.losing[:MAX_NAMED]
        audited.names(*gaining, *losing)
        return PolicyPreviewOut(
            centre_id=centre_id,
            current_version=found.current.version,
            considered=found.considered,
            eligible_now=found.eligible_now,
            eligible_after=found.eligible_after,
            gaining=gaining,
            gaining_count=len(found.gaining),
            losing=losing,
            losing_count=len(found.losing),
            network_gaining=found.network_gaining,
            network_losing=found.network_losing,
            supporters_losing_eligibility=found.supporters_losing,
            facts_as_of=found.facts_as_of,
        )

    @router.get(
        "/jobs/{job_id}",
        response_model=JobOut,
        responses=refusals(404, _404="No such job (yet: it starts when the change is consumed)."),
    )
    async def read_job(job_id: JobId, caller: Caller) -> JobOut:
        job = await jobs.get(job_id)
        if job is None:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND,
                "no such job (yet: it starts when the change is consumed)",
            )
        authorize(caller, centre_id=job.centre_id, roles=READERS)
        return JobOut(**asdict(job))

    return router
