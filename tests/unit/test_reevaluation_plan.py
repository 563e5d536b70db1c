"""What a re-decision announces and what a bulk job writes: pure, no servers."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from peerlink_eligibility.domain.decision import Decision, Reason, decide
from peerlink_eligibility.domain.facts import (
    Completion,
    ConsentChange,
    CravingCheckIn,
    Fact,
    SharingChange,
    SobrietyDate,
    fold_facts,
)
from peerlink_eligibility.domain.policy import Policy
from peerlink_eligibility.service_layer.centre_reevaluation import plan
from peerlink_eligibility.service_layer.ports import Snapshot, Stored
from peerlink_eligibility.service_layer.reevaluation import is_news

TODAY = date(2026, 11, 27)
YES = Decision("p", "north", True, (), None, date(2026, 12, 28), 1)
NO = Decision("p", "north", False, (Reason.NOT_VOLUNTEERING,), None, None, 1)
LATER = replace(NO, eligible_from=date(2027, 1, 1))


@pytest.mark.parametrize(
    ("decision", "stored", "told", "news"),
    [
        (YES, None, None, True),  # a first decision, eligible
        (NO, None, None, False),  # a first decision, not eligible: no decision reads so
        (YES, YES, None, False),
        (YES, NO, None, True),
        (LATER, NO, None, True),  # the day it will hold is part of the outcome
        (replace(YES, review_on=None, policy_version=2), YES, None, False),
        (YES, YES, NO, True),  # this flow told consumers otherwise before its write lost
        (YES, NO, YES, True),
        (YES, YES, YES, False),
    ],
)
def test_what_consumers_hear_of(
    decision: Decision, stored: Decision | None, told: Decision | None, news: bool
) -> None:
    assert is_news(decision, stored, told) is news


def graduate(
    person_id: str, centre_id: str, *, checked_on: date = TODAY, sharing: bool = True
) -> Snapshot:
    facts: list[Fact] = [
        Completion(centre_id, date(2024, 1, 1)),
        SobrietyDate(TODAY - timedelta(days=500)),
        CravingCheckIn(checked_on, 1),
        ConsentChange(TODAY, volunteering=True),
        SharingChange(TODAY, sharing=sharing),
    ]
    return Snapshot(fold_facts(person_id, facts), version=5)


def test_a_bulk_job_writes_only_what_changed_or_is_due_for_review() -> None:
    opened = Policy(centre_id="north", version=2, accept_network_graduates=True)
    same = graduate("p-same", "south")
    due = graduate("p-due", "south", checked_on=TODAY - timedelta(days=3))
    decided_before = decide(graduate("p-due", "south").facts, opened, TODAY)
    stored = {
        "p-same": Stored(decide(same.facts, opened, TODAY), revision=3),
        "p-due": Stored(decided_before, revision=1),
    }
    batch = [
        graduate("p-new", "south"),  # concerned: a graduate who shares, north open to them
        graduate("p-private", "south", sharing=False),  # not shared: not north's concern
        Snapshot(fold_facts("p-nobody", []), version=0),  # no completion, no decision
        same,
        due,  # same outcome, but its check-in goes stale on another day
    ]

    planned = plan(batch, opened, stored, TODAY)

    assert (planned.persons, planned.decided) == (5, 3)
    assert [d.person_id for d in planned.announced] == ["p-new"]
    written = {w.decision.person_id: w.replaces for w in planned.writes}
    assert written == {"p-new": None, "p-due": stored["p-due"]}
