"""The qualification rule, in tables that read like the policy."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from peerlink_eligibility.domain.decision import Reason, centres_to_decide, decide
from peerlink_eligibility.domain.facts import (
    BackgroundCheck,
    ConsentChange,
    CravingCheckIn,
    Discharge,
    Fact,
    Link,
    Relapse,
    SharingChange,
    SobrietyDate,
    Training,
    fold_facts,
)
from peerlink_eligibility.domain.policy import Policy

from tests.eligibility_facts import graduate_facts

TODAY = date(2026, 11, 27)
HERE = "north-house"
ELSEWHERE = "south-house"
DEFAULT = Policy(centre_id=HERE)


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def in_days(days: int) -> date:
    return TODAY + timedelta(days=days)


def qualified(*, sober_days: int = 365, centre: str = HERE, check_in_days: int = 3) -> list[Fact]:
    return graduate_facts(
        TODAY,
        centre,
        sober_days=sober_days,
        checked_days_ago=check_in_days,
        level=2,
        volunteering_days_ago=10,
    )


STRICT = Policy(
    centre_id=HERE,
    cooling_off_days=90,
    require_training=True,
    require_background_check=True,
)

RULES = [
    # case, facts, policy, eligible, reasons
    ("365 days sober, completed here, calm, volunteering", qualified(), DEFAULT, ()),
    (
        "364 days sober is one day short",
        qualified(sober_days=364),
        DEFAULT,
        (Reason.SOBER_TOO_SHORT,),
    ),
    (
        "graduate of another centre, same-centre policy",
        qualified(centre=ELSEWHERE),
        DEFAULT,
        (Reason.NOT_COMPLETED_AT_THIS_CENTRE,),
    ),
    (
        "graduate of another centre who shares with the network, network policy",
        [*qualified(centre=ELSEWHERE), SharingChange(days_ago(5), sharing=True)],
        Policy(centre_id=HERE, accept_network_graduates=True),
        (),
    ),
    (
        "graduate of another centre who does not share, network policy",
        qualified(centre=ELSEWHERE),
        Policy(centre_id=HERE, accept_network_graduates=True),
        (Reason.NOT_SHARED_WITH_NETWORK,),
    ),
    (
        "graduate of another centre referred here, network policy: one of ours",
        [*qualified(centre=ELSEWHERE), Link(HERE)],
        Policy(centre_id=HERE, accept_network_graduates=True),
        (),
    ),
    (
        "relapse the day after completion, before the sobriety date",
        [*qualified(), Relapse(days_ago(599))],
        DEFAULT,
        (),
    ),
    (
        "relapse after the sobriety date revokes",
        [*qualified(), Relapse(days_ago(30))],
        DEFAULT,
        (Reason.RELAPSED_SINCE_SOBRIETY_DATE,),
    ),
    (
        "relapse on the sobriety date itself revokes",
        [*qualified(), Relapse(days_ago(365))],
        DEFAULT,
        (Reason.RELAPSED_SINCE_SOBRIETY_DATE,),
    ),
    ("check-in 30 days old is still fresh", qualified(check_in_days=30), DEFAULT, ()),
    (
        "check-in 31 days old is stale",
        qualified(check_in_days=31),
        DEFAULT,
        (Reason.CRAVING_CHECK_IN_STALE,),
    ),
    (
        "latest check-in above the threshold",
        [*qualified(), CravingCheckIn(TODAY, level=5)],
        DEFAULT,
        (Reason.CRAVING_ABOVE_THRESHOLD,),
    ),
    (
        "an older high check-in no longer counts",
        [*qualified(check_in_days=1), CravingCheckIn(days_ago(20), level=9)],
        DEFAULT,
        (),
    ),
    (
        "two check-ins on the same day: the higher counts",
        [*qualified(check_in_days=0), CravingCheckIn(TODAY, level=7)],
        DEFAULT,
        (Reason.CRAVING_ABOVE_THRESHOLD,),
    ),
    (
        "withdrawn consent",
        [*qualified(), ConsentChange(days_ago(1), volunteering=False)],
        DEFAULT,
        (Reason.NOT_VOLUNTEERING,),
    ),
    (
        "volunteered and withdrew on the same day: withdrawal wins",
        [*qualified(), ConsentChange(TODAY, True), ConsentChange(TODAY, False)],
        DEFAULT,
        (Reason.NOT_VOLUNTEERING,),
    ),
    (
        "strict centre: cooling off, no training, no check",
        [*qualified(), Discharge(HERE, days_ago(30))],
        STRICT,
        (Reason.IN_COOLING_OFF_PERIOD, Reason.TRAINING_MISSING, Reason.BACKGROUND_CHECK_MISSING),
    ),
    (
        "strict centre: expired training and check",
        [
            *qualified(),
            Training(days_ago(400), days_ago(1)),
            BackgroundCheck(days_ago(400), days_ago(5)),
        ],
        STRICT,
        (Reason.TRAINING_EXPIRED, Reason.BACKGROUND_CHECK_EXPIRED),
    ),
    (
        "strict centre: training valid through its expiry day",
        [*qualified(), Training(days_ago(300), TODAY), BackgroundCheck(days_ago(9), in_days(300))],
        STRICT,
        (),
    ),
    (
        "registered here, no facts at all",
        [Link(HERE)],
        DEFAULT,
        (
            Reason.NO_COMPLETED_PROGRAMME,
            Reason.NO_SOBRIETY_DATE,
            Reason.NO_CRAVING_CHECK_IN,
            Reason.NOT_VOLUNTEERING,
        ),
    ),
]


@pytest.mark.parametrize(("case", "facts", "policy", "reasons"), RULES, ids=[r[0] for r in RULES])
def test_rule(case: str, facts: list[Fact], policy: Policy, reasons: tuple[Reason, ...]) -> None:
    decision = decide(fold_facts("p-1", facts), policy, TODAY)
    assert decision.reasons == reasons, case
    assert decision.eligible is (reasons == ())


def test_when_only_time_is_missing_the_decision_names_the_day() -> None:
    decision = decide(fold_facts("p-1", qualified(sober_days=355, check_in_days=0)), DEFAULT, TODAY)
    assert decision.reasons == (Reason.SOBER_TOO_SHORT,)
    assert decision.eligible_from == in_days(10)
    assert decision.review_on == in_days(10)


def test_no_day_is_promised_if_the_check_in_goes_stale_first() -> None:
    decision = decide(fold_facts("p-1", qualified(sober_days=300, check_in_days=0)), DEFAULT, TODAY)
    assert decision.reasons == (Reason.SOBER_TOO_SHORT,)
    assert decision.eligible_from is None
    assert decision.review_on == in_days(31)


def test_the_later_of_sobriety_and_cooling_off_is_the_day() -> None:
    facts = [*qualified(sober_days=360, check_in_days=0), Discharge(HERE, days_ago(80))]
    decision = decide(fold_facts("p-1", facts), Policy(centre_id=HERE, cooling_off_days=90), TODAY)
    assert decision.reasons == (Reason.SOBER_TOO_SHORT, Reason.IN_COOLING_OFF_PERIOD)
    assert decision.eligible_from == in_days(10)


def test_no_day_is_promised_when_more_than_time_is_missing() -> None:
    facts = [*qualified(sober_days=360, check_in_days=0), ConsentChange(TODAY, volunteering=False)]
    decision = decide(fold_facts("p-1", facts), DEFAULT, TODAY)
    assert decision.eligible_from is None


def test_an_eligible_decision_is_reviewed_when_the_check_in_goes_stale() -> None:
    decision = decide(fold_facts("p-1", qualified(check_in_days=5)), DEFAULT, TODAY)
    assert decision.eligible
    assert decision.review_on == in_days(26)
    later = decide(fold_facts("p-1", qualified(check_in_days=5)), DEFAULT, in_days(26))
    assert later.reasons == (Reason.CRAVING_CHECK_IN_STALE,)


def test_a_centre_may_ask_for_more_sober_days() -> None:
    facts = fold_facts("p-1", qualified(sober_days=400))
    decision = decide(facts, Policy(centre_id=HERE, min_sober_days=730), TODAY)
    assert decision.reasons == (Reason.SOBER_TOO_SHORT,)


def test_a_new_sobriety_date_after_a_relapse_restarts_the_count() -> None:
    facts = [*qualified(sober_days=700), Relapse(days_ago(200)), SobrietyDate(days_ago(199))]
    decision = decide(fold_facts("p-1", facts), DEFAULT, TODAY)
    assert decision.reasons == (Reason.SOBER_TOO_SHORT,)


def test_centres_to_decide() -> None:
    graduate = fold_facts("p-1", qualified())
    sharing = fold_facts("p-1", [*qualified(), SharingChange(TODAY, sharing=True)])
    referred = fold_facts("p-1", [*qualified(), Link("x")])
    nobody = fold_facts("p-2", [])
    # A centre open to the network considers only those who share, and its own people.
    assert centres_to_decide(graduate, decided_before=[], open_to_network=["x"]) == {HERE}
    assert centres_to_decide(sharing, decided_before=[], open_to_network=["x"]) == {HERE, "x"}
    assert centres_to_decide(referred, decided_before=[], open_to_network=["x"]) == {HERE, "x"}
    assert centres_to_decide(nobody, decided_before=["y"], open_to_network=["x"]) == {"y"}


def test_a_linked_person_who_left_early_has_a_decision_with_its_reasons() -> None:
    left_early = fold_facts("p-1", [Link(HERE), SobrietyDate(days_ago(400))])
    assert centres_to_decide(left_early, decided_before=[], open_to_network=[]) == {HERE}
    decision = decide(left_early, DEFAULT, TODAY)
    assert not decision.eligible
    assert decision.reasons[0] is Reason.NO_COMPLETED_PROGRAMME


def test_a_graduate_elsewhere_admitted_here_is_told_why_not_here() -> None:
    facts = fold_facts("p-1", [*qualified(centre=ELSEWHERE), Link(HERE)])
    assert centres_to_decide(facts, decided_before=[], open_to_network=[]) == {HERE, ELSEWHERE}
    decision = decide(facts, DEFAULT, TODAY)
    assert decision.reasons == (Reason.NOT_COMPLETED_AT_THIS_CENTRE,)


def test_each_time_based_reason_says_when_it_holds_even_when_no_day_is_promised() -> None:
    facts = [*qualified(sober_days=300, check_in_days=0), Discharge(HERE, days_ago(80))]
    decision = decide(fold_facts("p-1", facts), Policy(centre_id=HERE, cooling_off_days=90), TODAY)
    assert decision.reasons == (Reason.SOBER_TOO_SHORT, Reason.IN_COOLING_OFF_PERIOD)
    assert decision.eligible_from is None  # the check-in goes stale before day 365
    assert dict(decision.holds_from) == {
        Reason.SOBER_TOO_SHORT: in_days(65),
        Reason.IN_COOLING_OFF_PERIOD: in_days(10),
    }


def test_time_based_days_are_given_beside_other_missing_criteria() -> None:
    facts = [*qualified(sober_days=360), ConsentChange(TODAY, volunteering=False)]
    decision = decide(fold_facts("p-1", facts), DEFAULT, TODAY)
    assert decision.reasons == (Reason.SOBER_TOO_SHORT, Reason.NOT_VOLUNTEERING)
    assert decision.holds_from == ((Reason.SOBER_TOO_SHORT, in_days(5)),)


def test_an_eligible_decision_has_no_time_based_days() -> None:
    assert decide(fold_facts("p-1", qualified()), DEFAULT, TODAY).holds_from == ()


def test_a_network_graduate_decision_never_carries_the_days() -> None:
    facts = [*qualified(centre=ELSEWHERE, sober_days=300), SharingChange(TODAY, sharing=True)]
    open_here = Policy(centre_id=HERE, accept_network_graduates=True)
    decision = decide(fold_facts("p-1", facts), open_here, TODAY)
    assert decision.reasons == (Reason.UNDISCLOSED,)
    assert decision.holds_from == ()
