"""Order and duplication of facts never change a decision."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st
from peerlink_eligibility.domain.decision import decide
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
    fold_facts,
)
from peerlink_eligibility.domain.policy import Policy

TODAY = date(2026, 11, 27)
days = st.integers(min_value=0, max_value=1500).map(lambda n: TODAY - timedelta(days=n))
centres = st.sampled_from(["north", "south"])
facts = st.one_of(
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
POLICIES = [
    Policy(centre_id="north"),
    Policy(
        centre_id="south",
        accept_network_graduates=True,
        cooling_off_days=60,
        require_training=True,
        require_background_check=True,
    ),
]


@given(st.lists(facts, max_size=12), st.data())
def test_shuffled_and_duplicated_streams_decide_the_same(
    stream: list[Fact], data: st.DataObject
) -> None:
    reordered = list(stream)
    data.draw(st.randoms(use_true_random=False)).shuffle(reordered)
    duplicated = (
        reordered + data.draw(st.lists(st.sampled_from(stream), max_size=5)) if stream else []
    )
    for policy in POLICIES:
        expected = decide(fold_facts("p", stream), policy, TODAY)
        assert decide(fold_facts("p", reordered), policy, TODAY) == expected
        assert decide(fold_facts("p", duplicated), policy, TODAY) == expected
