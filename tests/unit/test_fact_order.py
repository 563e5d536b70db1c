"""Order and duplication of facts never change a decision."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st
from peerlink_eligibility.domain.decision import decide
from peerlink_eligibility.domain.facts import (
    Fact,
    fold_facts,
)
from peerlink_eligibility.domain.policy import Policy

from tests.eligibility_facts import any_fact, days_before

TODAY = date(2026, 11, 27)
days = days_before(TODAY)
centres = st.sampled_from(["north", "south"])
facts = any_fact(days, centres)
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
