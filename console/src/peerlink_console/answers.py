"""The services' answers as the console reads them: tolerant (unknown fields are ignored), so
a newer service does not break an older console."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict


class Answer(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Centre(Answer):
    centre_id: str
    display_name: str
    region: str
    timezone: str


class Decision(Answer):
    person_id: str
    eligible: bool
    reasons: list[str]
    eligible_from: dt.date | None = None
    holds_from: dict[str, dt.date] = {}
    policy_version: int
    trace_id: str | None = None


class Policy(Answer):
    version: int
    accept_network_graduates: bool
    min_sober_days: int
    cooling_off_days: int
    craving_threshold: int
    craving_max_age_days: int
    require_training: bool
    require_background_check: bool


class PolicyPreview(Answer):
    current_version: int
    considered: int
    eligible_now: int
    eligible_after: int
    gaining: list[str]
    gaining_count: int
    losing: list[str]
    losing_count: int
    network_gaining: int
    network_losing: int
    supporters_losing_eligibility: int


class PolicyChange(Answer):
    policy: Policy
    job_id: str


class Job(Answer):
    job_id: str
    state: str
    total: int
    done: int
    changed: int

    @property
    def percent(self) -> int:
        return 100 if self.total <= 0 else min(100, round(100 * self.done / self.total))


class Assignment(Answer):
    slot: int
    supporter_id: str
    starts_at: dt.datetime
    why: str
    trace_id: str | None = None


class Session(Answer):
    session_id: str
    kind: str
    starts_at: dt.datetime
    window_ends_at: dt.datetime | None = None
    resident_id: str | None = None
    duration_minutes: int
    supporters_needed: int
    assignments: list[Assignment]
    unfilled_reason: str | None = None

    @property
    def staffed(self) -> int:
        return len(self.assignments)

    @property
    def staffing(self) -> str:
        if self.staffed >= self.supporters_needed:
            return "staffed"
        return "partly staffed" if self.staffed else "unstaffed"


class Message(Answer):
    message_id: str
    recipient_id: str
    channel: str
    text: str
    status: str
    created_at: dt.datetime


class Delivery(Answer):
    delivery_id: str
    message_id: str
    recipient_id: str
    channel: str
    status: str
    attempts: int
    last_error: str | None = None
    reason: str | None = None
    sent_at: dt.datetime | None = None
    created_at: dt.datetime
