"""Order and duplication of facts never change a decision."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st
from peerlink_eligibility.domain.decision import decide
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
days = st.integers(min_value=0, max_value=1500).map(lambda n: TODAY - timedelta(days=n))
facts = st.one_of(
    st.builds(Completion, st.sampled_from(["north", "south"]), days),
    st.builds(SobrietyDate, days),
    st.builds(Relapse, days),
    st.builds(ConsentChange, days, st.booleans(), st.sampled_from(["a", "b", "c"])),
)


@given(st.lists(facts, max_size=12), st.data())
def test_shuffled_and_duplicated_streams_decide_the_same(
    stream: list[Fact], data: st.DataObject
) -> None:
    reordered = list(stream)
    data.draw(st.randoms(use_true_random=False)).shuffle(reordered)
    duplicated = (
        reordered + data.draw(st.lists(st.sampled_from(stream), max_size=5)) if stream else []
    )
    for centre in ("north", "south"):
        policy = Policy(centre_id=centre)
        expected = decide(fold_facts("p", stream), policy, TODAY)
        assert decide(fold_facts("p", reordered), policy, TODAY) == expected
        assert decide(fold_facts("p", duplicated), policy, TODAY) == expected
