"""The what-if: who a proposed policy would make eligible or not, from the same facts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from peerlink_eligibility.domain.facts import (
    Fact,
    Link,
    PersonFacts,
    SharingChange,
    SobrietyDate,
    fold_facts,
)
from peerlink_eligibility.domain.policy import Policy
from peerlink_eligibility.domain.preview import PolicyPreview

from tests.eligibility_facts import graduate_facts

TODAY = date(2026, 11, 27)
AS_OF = datetime(2026, 11, 27, 9, tzinfo=UTC)
HERE, ELSEWHERE = "north-house", "south-house"


def person(
    person_id: str, *, sober_days: int, centre: str = HERE, extra: tuple[Fact, ...] = ()
) -> PersonFacts:
    return fold_facts(person_id, [*graduate_facts(TODAY, centre, sober_days=sober_days), *extra])


def preview(proposed: Policy, *people: PersonFacts, current: Policy | None = None) -> PolicyPreview:
    found = PolicyPreview(current or Policy(centre_id=HERE), proposed, TODAY, AS_OF)
    for facts in people:
        found.add(facts)
    return found


def test_a_stricter_policy_names_its_own_people_who_would_lose() -> None:
    found = preview(
        Policy(centre_id=HERE, min_sober_days=500),
        person("p-400", sober_days=400),
        person("p-600", sober_days=600),
        person("p-100", sober_days=100),
    )
    assert found.losing == ["p-400"]
    assert found.gaining == []
    assert (found.considered, found.eligible_now, found.eligible_after) == (3, 2, 1)
    assert found.supporters_losing == 1


def test_a_looser_policy_names_who_would_gain() -> None:
    found = preview(Policy(centre_id=HERE, min_sober_days=90), person("p-100", sober_days=100))
    assert found.gaining == ["p-100"]
    assert found.supporters_losing == 0


def test_network_graduates_are_counted_never_named() -> None:
    sharing = (SharingChange(TODAY, sharing=True),)
    stranger = person("p-net", sober_days=400, centre=ELSEWHERE, extra=sharing)
    private = person("p-private", sober_days=400, centre=ELSEWHERE)
    opened = Policy(centre_id=HERE, accept_network_graduates=True)
    found = preview(opened, stranger, private)
    assert (found.gaining, found.network_gaining, found.considered) == ([], 1, 1)
    closing = preview(Policy(centre_id=HERE), stranger, private, current=opened)
    assert (closing.losing, closing.network_losing, closing.supporters_losing) == ([], 1, 1)


def test_a_linked_non_graduate_is_considered_and_stays_ineligible() -> None:
    left_early = fold_facts("p-left", [Link(HERE), SobrietyDate(TODAY - timedelta(days=900))])
    found = preview(Policy(centre_id=HERE, min_sober_days=0), left_early)
    assert (found.considered, found.eligible_after, found.gaining) == (1, 0, [])


def test_persons_of_other_centres_are_not_considered() -> None:
    found = preview(
        Policy(centre_id=HERE, min_sober_days=0), person("p-x", sober_days=10, centre=ELSEWHERE)
    )
    assert found.considered == 0


def test_one_centre_only() -> None:
    with pytest.raises(ValueError, match="one centre"):
        PolicyPreview(Policy(centre_id=HERE), Policy(centre_id=ELSEWHERE), TODAY, AS_OF)
