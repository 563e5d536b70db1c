"""Eligibility facts for the tests of its rules: a graduate's facts that meet the default
policy, and any fact at all for Hypothesis to draw."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st
from peerlink_eligibility.domain.facts import (
    BackgroundCheck,
    Completion,
    ConsentChange,
    CravingCheckIn,
    Discharge,
    Fact,
    Link,
    Relapse,
    SharingChange,
    SobrietyDate,
    Training,
)


def graduate_facts(
    today: date,
    centre: str,
    *,
    sober_days: int,
    completed_days_ago: int = 600,
    checked_days_ago: int = 0,
    level: int = 1,
    volunteering_days_ago: int = 0,
) -> list[Fact]:
    """Completed at `centre`, sober `sober_days`, a calm check-in, volunteering: each this many
    days before `today`."""
    return [
        Completion(centre, today - timedelta(days=completed_days_ago)),
        SobrietyDate(today - timedelta(days=sober_days)),
        CravingCheckIn(today - timedelta(days=checked_days_ago), level=level),
        ConsentChange(today - timedelta(days=volunteering_days_ago), volunteering=True),
    ]


def days_before(today: date) -> st.SearchStrategy[date]:
    """A day in the four years or so up to `today`."""
    return st.integers(min_value=0, max_value=1500).map(lambda n: today - timedelta(days=n))


def any_fact(
    days: st.SearchStrategy[date], centres: st.SearchStrategy[str]
) -> st.SearchStrategy[Fact]:
    """Every kind of fact, on these days and at these centres."""
    return st.one_of(
        st.builds(Completion, centres, days),
        st.builds(Discharge, centres, days),
        st.builds(SobrietyDate, days),
        st.builds(Relapse, days),
        st.builds(CravingCheckIn, days, st.integers(0, 10)),
        st.builds(ConsentChange, days, st.booleans()),
        st.builds(Training, days, days),
        st.builds(BackgroundCheck, days, days),
        st.builds(Link, centres),
        st.builds(SharingChange, days, st.booleans()),
    )
