"""decide(facts, policy, today): who qualifies at a centre, every reason why not, and when;
for a person not linked to the centre, only whether and when."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

from peerlink_eligibility.domain.facts import PersonFacts
from peerlink_eligibility.domain.policy import Policy, for_network_graduates


class Reason(StrEnum):
    NO_COMPLETED_PROGRAMME = "no_completed_programme"
    NOT_COMPLETED_AT_THIS_CENTRE = "not_completed_at_this_centre"
    NO_SOBRIETY_DATE = "no_sobriety_date"
    RELAPSED_SINCE_SOBRIETY_DATE = "relapsed_since_sobriety_date"
    SOBER_TOO_SHORT = "sober_too_short"
    NO_CRAVING_CHECK_IN = "no_craving_check_in"
    CRAVING_CHECK_IN_STALE = "craving_check_in_stale"
    CRAVING_ABOVE_THRESHOLD = "craving_above_threshold"
    NOT_VOLUNTEERING = "not_volunteering"
    IN_COOLING_OFF_PERIOD = "in_cooling_off_period"
    TRAINING_MISSING = "training_missing"
    TRAINING_EXPIRED = "training_expired"
    BACKGROUND_CHECK_MISSING = "background_check_missing"
    BACKGROUND_CHECK_EXPIRED = "background_check_expired"
    # Only for a person not linked to the centre:
    NOT_SHARED_WITH_NETWORK = "not_shared_with_network"
    UNDISCLOSED = "undisclosed"  # not eligible, for reasons only their own centres see


# Reasons that pass with the clock alone, with no new fact.
TIME_ONLY = frozenset({Reason.SOBER_TOO_SHORT, Reason.IN_COOLING_OFF_PERIOD})


@dataclass(frozen=True)
class Decision:
    person_id: str
    centre_id: str
    eligible: bool
    reasons: tuple[Reason, ...]
    eligible_from: date | None
    review_on: date | None  # the next day the clock alone may change this decision
    policy_version: int
    # When each time-based reason stops applying, by the clock alone: said even when
    # something else (a check-in going stale, training expiring) blocks by then.
    holds_from: tuple[tuple[Reason, date], ...] = ()

    def same_outcome(self, other: Decision | None) -> bool:
        return other is not None and (self.eligible, self.reasons, self.eligible_from) == (
            other.eligible,
            other.reasons,
            other.eligible_from,
        )


@dataclass(frozen=True)
class _Check:
    reasons: list[Reason]
    holds_on: dict[Reason, date]  # when each time-only reason stops applying
    changes_on: list[date]  # days after today on which some criterion flips by itself


def _programme(facts: PersonFacts, policy: Policy, check: _Check) -> None:
    if not facts.completions:
        check.reasons.append(Reason.NO_COMPLETED_PROGRAMME)
    elif not policy.accept_network_graduates and policy.centre_id not in facts.completed_at():
        check.reasons.append(Reason.NOT_COMPLETED_AT_THIS_CENTRE)


def _sobriety(facts: PersonFacts, policy: Policy, today: date, check: _Check) -> None:
    sober_since = facts.sober_since
    if sober_since is None:
        check.reasons.append(Reason.NO_SOBRIETY_DATE)
    elif facts.relapsed_since_sober:
        check.reasons.append(Reason.RELAPSED_SINCE_SOBRIETY_DATE)
    else:
        holds_on = sober_since + timedelta(days=policy.min_sober_days)
        if today < holds_on:
            check.reasons.append(Reason.SOBER_TOO_SHORT)
            check.holds_on[Reason.SOBER_TOO_SHORT] = holds_on
            check.changes_on.append(holds_on)


def _cravings(facts: PersonFacts, policy: Policy, today: date, check: _Check) -> None:
    latest = facts.latest_check_in
    if latest is None:
        check.reasons.append(Reason.NO_CRAVING_CHECK_IN)
        return
    stale_on = latest.checked_on + timedelta(days=policy.craving_max_age_days + 1)
    if today >= stale_on:
        check.reasons.append(Reason.CRAVING_CHECK_IN_STALE)
    else:
        check.changes_on.append(stale_on)
    if latest.level > policy.craving_threshold:
        check.reasons.append(Reason.CRAVING_ABOVE_THRESHOLD)


def _cooling_off(facts: PersonFacts, policy: Policy, today: date, check: _Check) -> None:
    discharged = facts.last_discharge
    if policy.cooling_off_days and discharged is not None:
        ends_on = discharged + timedelta(days=policy.cooling_off_days)
        if today < ends_on:
            check.reasons.append(Reason.IN_COOLING_OFF_PERIOD)
            check.holds_on[Reason.IN_COOLING_OFF_PERIOD] = ends_on
            check.changes_on.append(ends_on)


def _valid_until(
    valid_until: date | None, today: date, missing: Reason, expired: Reason, check: _Check
) -> None:
    if valid_until is None:
        check.reasons.append(missing)
    elif today > valid_until:
        check.reasons.append(expired)
    else:
        check.changes_on.append(valid_until + timedelta(days=1))


def _check(facts: PersonFacts, policy: Policy, today: date) -> _Check:
    check = _Check(reasons=[], holds_on={}, changes_on=[])
    _programme(facts, policy, check)
    _sobriety(facts, policy, today, check)
    _cravings(facts, policy, today, check)
    if not facts.volunteering:
        check.reasons.append(Reason.NOT_VOLUNTEERING)
    _cooling_off(facts, policy, today, check)
    if policy.require_training:
        _valid_until(
            facts.training_valid_until,
            today,
            Reason.TRAINING_MISSING,
            Reason.TRAINING_EXPIRED,
            check,
        )
    if policy.require_background_check:
        _valid_until(
            facts.background_check_valid_until,
            today,
            Reason.BACKGROUND_CHECK_MISSING,
            Reason.BACKGROUND_CHECK_EXPIRED,
            check,
        )
    return check


def decide(facts: PersonFacts, policy: Policy, today: date) -> Decision:
    if policy.centre_id in facts.linked_centres:
        return _decide(facts, policy, today)
    return _decide_for_network(facts, policy, today)


def _decide_for_network(facts: PersonFacts, policy: Policy, today: date) -> Decision:
    """A person not linked to the centre. Unless it takes network graduates and they chose
    to be offered across the network, the decision says only that; otherwise it holds their
    standing alone (eligible, or not yet and from when), so nothing made from it (a job's
    count, an event, a log line) can carry their own centres' reasons."""
    if not policy.accept_network_graduates:
        return _closed(facts, policy, Reason.NOT_COMPLETED_AT_THIS_CENTRE)
    if not facts.shares_with_network:
        return _closed(facts, policy, Reason.NOT_SHARED_WITH_NETWORK)
    decision = _decide(facts, for_network_graduates(policy), today)
    # Nor when a time-based criterion holds: a day that tells their sobriety date.
    return replace(
        decision, reasons=() if decision.eligible else (Reason.UNDISCLOSED,), holds_from=()
    )


def _closed(facts: PersonFacts, policy: Policy, reason: Reason) -> Decision:
    return Decision(
        person_id=facts.person_id,
        centre_id=policy.centre_id,
        eligible=False,
        reasons=(reason,),
        eligible_from=None,
        review_on=None,  # only a fact (or the policy) opens it
        policy_version=policy.version,
    )


def _decide(facts: PersonFacts, policy: Policy, today: date) -> Decision:
    check = _check(facts, policy, today)
    eligible_from = None
    if check.reasons and set(check.reasons) <= TIME_ONLY:
        candidate = max(check.holds_on.values())
        # Only promise the day if nothing else (a check-in going stale, training expiring)
        # breaks it by then.
        if not _check(facts, policy, candidate).reasons:
            eligible_from = candidate
    return Decision(
        person_id=facts.person_id,
        centre_id=policy.centre_id,
        eligible=not check.reasons,
        reasons=tuple(check.reasons),
        eligible_from=eligible_from,
        review_on=min(check.changes_on, default=None),
        policy_version=policy.version,
        holds_from=tuple(sorted(check.holds_on.items())),
    )


# A what-if applies one centre's network standard to everyone: derived once per policy.
_network_standard = lru_cache(maxsize=64)(for_network_graduates)


def qualifies(facts: PersonFacts, policy: Policy, today: date) -> bool:
    """decide(facts, policy, today).eligible, without the dates a decision also works out
    (when each reason holds, the next review): a what-if asks it of everyone, twice."""
    if policy.centre_id in facts.linked_centres:
        return not _check(facts, policy, today).reasons
    return (
        policy.accept_network_graduates
        and facts.shares_with_network
        and not _check(facts, _network_standard(policy), today).reasons
    )


def concerns(facts: PersonFacts, policy: Policy) -> bool:
    """Whether the centre decides for the person: every one of its own people (linked to it,
    graduate or not, so each has an answer with its reasons), and a graduate open to it
    when it takes network graduates."""
    return policy.centre_id in facts.linked_centres or (
        policy.accept_network_graduates
        and bool(facts.completions)
        and facts.open_to(policy.centre_id)
    )


def centres_to_decide(
    facts: PersonFacts, *, decided_before: Iterable[str], open_to_network: Iterable[str]
) -> frozenset[str]:
    """The person's own centres (every one answers, with its reasons), centres already
    holding a decision, and centres open to network graduates that may consider them: a
    graduate's own, or any while they choose to be offered across the network."""
    candidates = set(facts.linked_centres) | set(decided_before)
    if facts.completions:
        candidates |= {centre for centre in open_to_network if facts.open_to(centre)}
    return frozenset(candidates)
