"""The default qualification rule, in tables that read like the policy."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from peerlink_eligibility.domain.decision import Reason, decide
from peerlink_eligibility.domain.facts import (
    Completion,
    ConsentChange,
    Fact,
    Relapse,
    SobrietyDate,
    fold_facts,
)
from peerlink_eligibility.domain.policy import Policy

TODAY = date(2026, 11, 27)
HERE = "north-house"
ELSEWHERE = "south-house"


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def qualified_facts(*, sober_days: int = 365, centre: str = HERE) -> list[Fact]:
    return [
        Completion(centre, days_ago(600)),
        SobrietyDate(days_ago(sober_days)),
        ConsentChange(days_ago(10), volunteering=True, event_id="e1"),
    ]


@pytest.mark.parametrize(
    ("case", "facts", "eligible", "reasons"),
    [
        ("365 days sober, completed here, volunteering", qualified_facts(), True, ()),
        (
            "364 days sober is one day short",
            qualified_facts(sober_days=364),
            False,
            (Reason.SOBER_TOO_SHORT,),
        ),
        (
            "completed at another centre only",
            qualified_facts(centre=ELSEWHERE),
            False,
            (Reason.NOT_COMPLETED_AT_THIS_CENTRE,),
        ),
        (
            "relapse the day after completion, before the sobriety date: still sober since",
            [*qualified_facts(), Relapse(days_ago(599))],
            True,
            (),
        ),
        (
            "relapse after the sobriety date revokes",
            [*qualified_facts(), Relapse(days_ago(30))],
            False,
            (Reason.RELAPSED_SINCE_SOBRIETY_DATE,),
        ),
        (
            "a relapse on the sobriety date itself revokes",
            [*qualified_facts(), Relapse(days_ago(365))],
            False,
            (Reason.RELAPSED_SINCE_SOBRIETY_DATE,),
        ),
        (
            "withdrawn consent",
            [*qualified_facts(), ConsentChange(days_ago(1), volunteering=False, event_id="e2")],
            False,
            (Reason.NOT_VOLUNTEERING,),
        ),
        (
            "no facts at all",
            [],
            False,
            (Reason.NO_COMPLETED_PROGRAMME, Reason.NO_SOBRIETY_DATE, Reason.NOT_VOLUNTEERING),
        ),
    ],
)
def test_default_rule(
    case: str, facts: list[Fact], eligible: bool, reasons: tuple[Reason, ...]
) -> None:
    decision = decide(fold_facts("p-1", facts), Policy(centre_id=HERE), TODAY)
    assert (decision.eligible, decision.reasons) == (eligible, reasons), case


def test_when_only_time_is_missing_the_decision_names_the_day() -> None:
    decision = decide(
        fold_facts("p-1", qualified_facts(sober_days=300)), Policy(centre_id=HERE), TODAY
    )
    assert decision.eligible_from == days_ago(300) + timedelta(days=365)


def test_no_date_is_promised_when_more_than_time_is_missing() -> None:
    facts = [
        *qualified_facts(sober_days=300),
        ConsentChange(TODAY, volunteering=False, event_id="e9"),
    ]
    decision = decide(fold_facts("p-1", facts), Policy(centre_id=HERE), TODAY)
    assert decision.reasons == (Reason.SOBER_TOO_SHORT, Reason.NOT_VOLUNTEERING)
    assert decision.eligible_from is None


def test_a_centre_that_accepts_network_graduates() -> None:
    facts = fold_facts("p-1", qualified_facts(centre=ELSEWHERE))
    assert decide(facts, Policy(centre_id=HERE, accept_network_graduates=True), TODAY).eligible


def test_a_centre_may_ask_for_more_sober_days() -> None:
    facts = fold_facts("p-1", qualified_facts(sober_days=400))
    decision = decide(facts, Policy(centre_id=HERE, min_sober_days=730), TODAY)
    assert decision.reasons == (Reason.SOBER_TOO_SHORT,)
    assert decision.eligible_from == days_ago(400) + timedelta(days=730)


def test_a_new_sobriety_date_after_a_relapse_restarts_the_count() -> None:
    facts = [*qualified_facts(sober_days=700), Relapse(days_ago(200)), SobrietyDate(days_ago(199))]
    decision = decide(fold_facts("p-1", facts), Policy(centre_id=HERE), TODAY)
    assert decision.reasons == (Reason.SOBER_TOO_SHORT,)
    assert decision.eligible_from == days_ago(199) + timedelta(days=365)
