"""decide(facts, policy, today): who qualifies at a centre, every reason why not, and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from peerlink_eligibility.domain.facts import PersonFacts
from peerlink_eligibility.domain.policy import Policy


class Reason(StrEnum):
    NO_COMPLETED_PROGRAMME = "no_completed_programme"
    NOT_COMPLETED_AT_THIS_CENTRE = "not_completed_at_this_centre"
    NO_SOBRIETY_DATE = "no_sobriety_date"
    RELAPSED_SINCE_SOBRIETY_DATE = "relapsed_since_sobriety_date"
    SOBER_TOO_SHORT = "sober_too_short"
    NOT_VOLUNTEERING = "not_volunteering"


@dataclass(frozen=True)
class Decision:
    person_id: str
    centre_id: str
    eligible: bool
    reasons: tuple[Reason, ...]
    eligible_from: date | None

    def same_outcome(self, other: Decision | None) -> bool:
        return other is not None and (self.eligible, self.reasons, self.eligible_from) == (
            other.eligible,
            other.reasons,
            other.eligible_from,
        )


def decide(facts: PersonFacts, policy: Policy, today: date) -> Decision:
    reasons: list[Reason] = []
    if not facts.completions:
        reasons.append(Reason.NO_COMPLETED_PROGRAMME)
    elif not policy.accept_network_graduates and policy.centre_id not in facts.completed_at():
        reasons.append(Reason.NOT_COMPLETED_AT_THIS_CENTRE)

    eligible_from: date | None = None
    sober_since = facts.sober_since
    if sober_since is None:
        reasons.append(Reason.NO_SOBRIETY_DATE)
    elif any(relapse >= sober_since for relapse in facts.relapses):
        reasons.append(Reason.RELAPSED_SINCE_SOBRIETY_DATE)
    else:
        holds_on = sober_since + timedelta(days=policy.min_sober_days)
        if today < holds_on:
            reasons.append(Reason.SOBER_TOO_SHORT)
            eligible_from = holds_on

    if not facts.volunteering:
        reasons.append(Reason.NOT_VOLUNTEERING)

    only_time_missing = reasons == [Reason.SOBER_TOO_SHORT]
    return Decision(
        person_id=facts.person_id,
        centre_id=policy.centre_id,
        eligible=not reasons,
        reasons=tuple(reasons),
        eligible_from=eligible_from if only_time_missing else None,
    )


def centres_to_decide(facts: PersonFacts, decided_before: frozenset[str]) -> frozenset[str]:
    """Centres where the person might qualify, plus those already holding a decision."""
    return facts.completed_at() | decided_before
