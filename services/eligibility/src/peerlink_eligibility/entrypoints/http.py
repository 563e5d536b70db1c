"""Eligibility's HTTP API: decisions with reasons, eligible supporters, policies, job status."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query, status
from peerlink_shared.auth import Principal, Role
from peerlink_shared.contracts.base import OPAQUE_ID_PATTERN
from peerlink_shared.http import Caller, CentreId, PersonId, authorize
from peerlink_shared.http_errors import refusals
from peerlink_shared.inputs import NUMBER_ONLY, StrictBool, WholeNumber
from peerlink_shared.person_access import Audited, PersonCaller
from pydantic import BaseModel, ConfigDict, Field

from peerlink_eligibility.domain.decision import Decision
from peerlink_eligibility.domain.policy import Policy
from peerlink_eligibility.service_layer.decision_reads import (
    DecisionReads,
    NoDecision,
    NotOwnPerson,
)
from peerlink_eligibility.service_layer.policy_changes import PolicyChanges, VersionConflict
from peerlink_eligibility.service_layer.policy_previews import PolicyPreviews
from peerlink_eligibility.service_layer.ports import JobStore, PolicyStore

READERS = {Role.COORDINATOR, Role.OPS}
MAX_POLICY_VERSION = 2**31 - 1
# Job ids are the ids of the policy-change events that started them.
JobId = Annotated[str, Path(pattern=OPAQUE_ID_PATTERN, examples=["7d1c0f52-4a8e-4d0b-9a51"])]


class DecisionOut(BaseModel):
    person_id: str
    centre_id: str
    eligible: bool
    reasons: list[str] = Field(description="Codes of every failed criterion.")
    eligible_from: dt.date | None = Field(description="Set when only time is missing.")
    policy_version: int
    holds_from: dict[str, dt.date] = Field(
        default_factory=dict,
        description="For each time-based reason, the day it stops applying by the clock "
        "alone, even when something else will still be missing then.",
    )
    trace_id: str | None = Field(
        default=None,
        description="The trace of the flow that last changed this decision, when traces "
        "are exported (docs/observability.md): to open it in the trace viewer.",
    )


class StandingOut(BaseModel):
    """What a centre may know of a person not linked to it who chose to be offered across
    the network. It has no field for reasons, by design: they are their own centres' to see."""

    person_id: str
    centre_id: str
    standing: Literal["eligible", "not_yet"]
    eligible_from: dt.date | None = Field(description="Set when only time is missing.")


class EligibleSupportersOut(BaseModel):
    centre_id: str
    person_ids: list[str]


class PolicyIn(BaseModel):
    # Strict: "365" and "yes" are refused, not read as 365 and true.
    model_config = ConfigDict(extra="forbid")

    accept_network_graduates: StrictBool = False
    min_sober_days: WholeNumber = Field(default=365, ge=0, le=3650)
    cooling_off_days: WholeNumber = Field(default=0, ge=0, le=3650)
    craving_threshold: WholeNumber = Field(default=4, ge=0, le=10)
    craving_max_age_days: WholeNumber = Field(default=30, ge=1, le=365)
    require_training: StrictBool = False
    require_background_check: StrictBool = False
    expected_version: Annotated[int, Field(ge=0, le=MAX_POLICY_VERSION), NUMBER_ONLY] | None = (
        Field(default=None, description="The version you read; a concurrent change gets a 409.")
    )


class PolicyPreviewIn(PolicyIn):
    """The body of PUT .../policy, checked strictly: no extra fields, no coercion."""

    model_config = ConfigDict(extra="forbid")


MAX_NAMED = 1000  # persons named per list; the counts are always whole


class PolicyPreviewOut(BaseModel):
    centre_id: str
    current_version: int = Field(description="The version the proposal was compared with.")
    considered: int = Field(description="Persons either policy concerns.")
    eligible_now: int
    eligible_after: int
    gaining: list[str] = Field(
        description=f"The centre's own people who would become eligible (at most {MAX_NAMED})."
    )
    gaining_count: int
    losing: list[str] = Field(
        description=f"The centre's own people who would lose eligibility (at most {MAX_NAMED})."
    )
    losing_count: int
    network_gaining: int = Field(description="Network graduates who would become eligible.")
    network_losing: int = Field(description="Network graduates who would lose eligibility.")
    facts_as_of: dt.datetime = Field(
        description="The facts judged are those stored by this time (any this replica "
        "recorded since are included): a what-if may reuse facts it read for up to 30 s."
    )
    supporters_losing_eligibility: int = Field(
        description="Supporters eligible now who would not be. Sessions are scheduling's: "
        "eligibility does not know which sessions they staff, so this is the number of "
        "supporters sessions could lose, not a number of sessions."
    )


class PolicyOut(BaseModel):
    centre_id: str
    version: int = Field(description="0 is the network default, never changed by the centre.")
    accept_network_graduates: bool
    min_sober_days: int
    cooling_off_days: int
    craving_threshold: int
    craving_max_age_days: int
    require_training: bool
    require_background_check: bool


class PolicyChangeOut(BaseModel):
    policy: PolicyOut
    job_id: str = Field(description="Follow the bulk re-evaluation at /jobs/{job_id}.")


class JobOut(BaseModel):
    job_id: str
    kind: str
    centre_id: str
    state: str
    total: int
    done: int
    changed: int
    started_at: dt.datetime
    finished_at: dt.datetime | None


def _decision_out(decision: Decision, *, trace_id: str | None = None) -> DecisionOut:
    return DecisionOut(
        trace_id=trace_id,
        person_id=decision.person_id,
        centre_id=decision.centre_id,
        eligible=decision.eligible,
        reasons=[reason.value for reason in decision.reasons],
        eligible_from=decision.eligible_from,
        policy_version=decision.policy_version,
        holds_from={reason.value: day for reason, day in decision.holds_from},
    )


def _standing_out(decision: Decision) -> StandingOut:
    return StandingOut(
        person_id=decision.person_id,
        centre_id=decision.centre_id,
        standing="eligible" if decision.eligible else "not_yet",
        eligible_from=decision.eligible_from,
    )


def _policy_out(policy: Policy) -> PolicyOut:
    return PolicyOut(**asdict(policy))


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
        return _decision_out(stored.decision, trace_id=stored.trace_id)

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
        return _standing_out(decision)

    @router.get("/persons/{person_id}/decisions", response_model=list[DecisionOut])
    async def read_decisions(person_id: PersonId, caller: PersonCaller) -> list[DecisionOut]:
        """Every centre's decision for a person, for ops (coordinators see their centre's)."""
        authorize(caller, centre_id="*", roles={Role.OPS})
        stored = await reads.decisions_of(person_id)
        return [_decision_out(s.decision, trace_id=s.trace_id) for s in stored]

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
        audited.names(*(decision.person_id for decision in shown))
        return [_decision_out(decision) for decision in shown]

    @router.get("/centres/{centre_id}/policy", response_model=PolicyOut)
    async def read_policy(centre_id: CentreId, caller: Caller) -> PolicyOut:
        authorize(caller, centre_id=centre_id, roles=READERS)
        return _policy_out(await policies.current(centre_id))

    @router.get("/centres/{centre_id}/policy/versions", response_model=list[PolicyOut])
    async def policy_history(centre_id: CentreId, caller: Caller) -> list[PolicyOut]:
        authorize(caller, centre_id=centre_id, roles=READERS)
        return [_policy_out(policy) for policy in await policies.history(centre_id)]

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
        return PolicyChangeOut(policy=_policy_out(policy), job_id=job_id)

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
