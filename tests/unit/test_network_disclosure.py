"""What a centre learns of a person not linked to it: nothing unless they share with the
network, then only eligible / not yet / from date, whatever policy the centre sets."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from peerlink_eligibility.domain.decision import Reason, decide
from peerlink_eligibility.domain.disclosure import View, view_of
from peerlink_eligibility.domain.facts import (
    Completion,
    ConsentLink,
    ConsentWithdrawal,
    Discharge,
    Fact,
    Link,
    Relapse,
    SharingChange,
    Stay,
    fold_facts,
)
from peerlink_eligibility.domain.policy import Policy
from peerlink_eligibility.service_layer.centre_reevaluation import plan
from peerlink_eligibility.service_layer.ports import Snapshot

from tests.eligibility_facts import graduate_facts

TODAY = date(2026, 11, 27)
HERE, HOME = "bay-house", "north-house"
OPEN = Policy(centre_id=HERE, version=3, accept_network_graduates=True)


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def graduate_of_home(*, sober_days: int = 500, level: int = 2, checked: int = 3) -> list[Fact]:
    return [
        Link(HOME),
        *graduate_facts(
            TODAY,
            HOME,
            sober_days=sober_days,
            checked_days_ago=checked,
            level=level,
            volunteering_days_ago=10,
        ),
    ]


SHARES = SharingChange(days_ago(4), sharing=True)
CONSENT_ENDED = ConsentWithdrawal(HERE, days_ago(2))


def test_a_person_who_does_not_share_is_decided_on_that_alone() -> None:
    for facts in (graduate_of_home(), graduate_of_home(sober_days=30, level=9)):
        decision = decide(fold_facts("p-1", facts), OPEN, TODAY)
        assert decision.reasons == (Reason.NOT_SHARED_WITH_NETWORK,)
        assert (decision.eligible, decision.eligible_from, decision.review_on) == (
            False,
            None,
            None,
        )


def test_a_centre_closed_to_the_network_says_only_that_of_strangers() -> None:
    facts = fold_facts("p-1", [*graduate_of_home(sober_days=30), SHARES])
    decision = decide(facts, Policy(centre_id=HERE), TODAY)
    assert decision.reasons == (Reason.NOT_COMPLETED_AT_THIS_CENTRE,)
    assert decision.eligible_from is None


@pytest.mark.parametrize(
    ("case", "facts", "eligible", "eligible_from"),
    [
        ("qualifies", graduate_of_home(), True, None),
        (
            "only time missing",
            graduate_of_home(sober_days=360, checked=0),
            False,
            TODAY + timedelta(days=5),
        ),
        ("relapsed", [*graduate_of_home(), Relapse(days_ago(20))], False, None),
        ("craving above the network standard", graduate_of_home(level=7), False, None),
        ("check-in stale", graduate_of_home(checked=45), False, None),
    ],
)
def test_a_sharing_graduate_is_decided_as_standing_only(
    case: str, facts: list[Fact], eligible: bool, eligible_from: date | None
) -> None:
    decision = decide(fold_facts("p-1", [*facts, SHARES]), OPEN, TODAY)
    assert decision.eligible is eligible, case
    assert decision.eligible_from == eligible_from, case
    assert decision.reasons == (() if eligible else (Reason.UNDISCLOSED,)), case


def test_the_same_person_keeps_every_reason_at_their_own_centre() -> None:
    facts = fold_facts("p-1", [*graduate_of_home(level=7), Relapse(days_ago(20)), SHARES])
    decision = decide(facts, Policy(centre_id=HOME), TODAY)
    assert decision.reasons == (
        Reason.RELAPSED_SINCE_SOBRIETY_DATE,
        Reason.CRAVING_ABOVE_THRESHOLD,
    )


POLICIES = [
    Policy(
        centre_id=HERE,
        accept_network_graduates=True,
        min_sober_days=365,
        craving_threshold=threshold,
        craving_max_age_days=max_age,
    )
    for threshold, max_age in itertools.product(range(11), (1, 2, 3, 5, 10, 30, 365))
]


@pytest.mark.parametrize("level", range(11))
@pytest.mark.parametrize("checked", [0, 2, 4, 29])
def test_stepping_craving_settings_tells_a_centre_nothing_of_a_stranger(
    level: int, checked: int
) -> None:
    """However a centre sets its craving threshold and check-in age, a network graduate's
    decision there is the same: their level and check-in day stay their own centres'."""
    facts = fold_facts("p-1", [*graduate_of_home(level=level, checked=checked), SHARES])
    outcomes = {
        (d.eligible, d.reasons, d.eligible_from)
        for d in (decide(facts, p, TODAY) for p in POLICIES)
    }
    assert len(outcomes) == 1
    assert outcomes.pop()[0] is (level <= 4)


def test_stepping_any_setting_tells_nothing_of_one_who_does_not_share() -> None:
    facts = fold_facts("p-1", graduate_of_home(sober_days=400, level=3))
    settings = [
        Policy(
            centre_id=HERE,
            accept_network_graduates=True,
            min_sober_days=days,
            cooling_off_days=cool,
        )
        for days, cool in itertools.product((0, 100, 365, 399, 400, 401, 3650), (0, 30, 900))
    ]
    outcomes = {
        (d.eligible, d.reasons, d.eligible_from, d.review_on)
        for d in (decide(facts, p, TODAY) for p in settings)
    }
    assert outcomes == {(False, (Reason.NOT_SHARED_WITH_NETWORK,), None, None)}


def test_own_people_are_judged_by_the_centres_own_craving_threshold() -> None:
    referred = fold_facts("p-1", [*graduate_of_home(level=3), Link(HERE)])
    strict = Policy(centre_id=HERE, accept_network_graduates=True, craving_threshold=2)
    assert decide(referred, strict, TODAY).reasons == (Reason.CRAVING_ABOVE_THRESHOLD,)


def test_withdrawing_from_the_network_takes_effect_and_wins_on_the_same_day() -> None:
    shared = [*graduate_of_home(), SHARES]
    assert decide(fold_facts("p-1", shared), OPEN, TODAY).eligible
    withdrawn = [*shared, SharingChange(days_ago(1), sharing=False)]
    assert decide(fold_facts("p-1", withdrawn), OPEN, TODAY).reasons == (
        Reason.NOT_SHARED_WITH_NETWORK,
    )
    same_day = [*graduate_of_home(), SharingChange(TODAY, True), SharingChange(TODAY, False)]
    assert not fold_facts("p-1", same_day).shares_with_network
    again = [*withdrawn, SharingChange(TODAY, sharing=True)]
    assert decide(fold_facts("p-1", again), OPEN, TODAY).eligible


@pytest.mark.parametrize(
    ("facts", "view"),
    [
        ([Link(HERE)], View.OWN),  # registered here, referred here or consented
        ([Completion(HERE, days_ago(9))], View.OWN),  # a stay recorded here
        ([Discharge(HERE, days_ago(9))], View.OWN),
        ([*graduate_of_home(), SHARES], View.NETWORK),
        (graduate_of_home(), View.NONE),
        ([*graduate_of_home(), SHARES, SharingChange(TODAY, sharing=False)], View.NONE),
        ([], View.NONE),  # no such person
        # consented here, then withdrew: not theirs any more, whatever it recorded meanwhile
        ([ConsentLink(HERE, days_ago(9))], View.OWN),
        ([ConsentLink(HERE, days_ago(9)), Stay(HERE), CONSENT_ENDED], View.NONE),
        ([ConsentLink(HERE, days_ago(9)), Discharge(HERE, days_ago(5)), CONSENT_ENDED], View.NONE),
        (
            [*graduate_of_home(), SHARES, ConsentLink(HERE, days_ago(9)), CONSENT_ENDED],
            View.NETWORK,
        ),
        ([Link(HERE), ConsentLink(HERE, days_ago(9)), CONSENT_ENDED], View.OWN),  # referred too
        ([ConsentLink(HERE, days_ago(9)), CONSENT_ENDED, ConsentLink(HERE, TODAY)], View.OWN),
        ([ConsentLink(HERE, days_ago(2)), CONSENT_ENDED], View.NONE),  # same day: withdrawn
    ],
)
def test_what_a_centre_may_see(facts: list[Fact], view: View) -> None:
    assert view_of(fold_facts("p-1", facts), HERE) is view


def test_a_bulk_job_for_an_opened_centre_decides_only_those_who_share_or_are_its_own() -> None:
    batch = [
        Snapshot(fold_facts("p-shares", [*graduate_of_home(), SHARES]), version=6),
        Snapshot(fold_facts("p-private", graduate_of_home()), version=5),
        Snapshot(fold_facts("p-referred", [*graduate_of_home(), Link(HERE)]), version=6),
    ]
    planned = plan(batch, OPEN, {}, TODAY)
    assert sorted(w.decision.person_id for w in planned.writes) == ["p-referred", "p-shares"]


def test_a_withdrawn_consent_leaves_a_centre_standing_only_or_nothing() -> None:
    consented = [*graduate_of_home(level=7), ConsentLink(HERE, days_ago(30)), Stay(HERE)]
    own = decide(fold_facts("p-1", consented), OPEN, TODAY)
    assert Reason.CRAVING_ABOVE_THRESHOLD in own.reasons
    withdrawn = decide(fold_facts("p-1", [*consented, CONSENT_ENDED]), OPEN, TODAY)
    assert withdrawn.reasons == (Reason.NOT_SHARED_WITH_NETWORK,)
    shared = decide(fold_facts("p-1", [*consented, CONSENT_ENDED, SHARES]), OPEN, TODAY)
    assert shared.reasons == (Reason.UNDISCLOSED,)
