"""The bodies of eligibility's HTTP API: what a request may carry (checked strictly) and what
an answer says, and how a decision or a policy reads in an answer."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated, Literal

from peerlink_shared.web.inputs import NUMBER_ONLY, StrictBool, WholeNumber
from pydantic import BaseModel, ConfigDict, Field

from peerlink_eligibility.domain.decision import Decision
from peerlink_eligibility.domain.policy import Policy

MAX_POLICY_VERSION = 2**31 - 1


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
    """A bulk re-evaluation's progress, readable while it runs."""

    job_id: str
    kind: str = Field(examples=["policy_reevaluation"])
    centre_id: str
    state: str = Field(description="`running`, then `done`.", examples=["running"])
    total: int = Field(description="Persons to decide again (known once the job has counted).")
    done: int = Field(description="Persons decided again so far.")
    changed: int = Field(description="Decisions that changed so far.")
    started_at: dt.datetime
    finished_at: dt.datetime | None = Field(description="None while the job runs.")


def decision_out(decision: Decision, *, trace_id: str | None = None) -> DecisionOut:
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


def standing_out(decision: Decision) -> StandingOut:
    return StandingOut(
        person_id=decision.person_id,
        centre_id=decision.centre_id,
        standing="eligible" if decision.eligible else "not_yet",
        eligible_from=decision.eligible_from,
    )


def policy_out(policy: Policy) -> PolicyOut:
    return PolicyOut(**asdict(policy))
