"""What a proposed policy would change at a centre, from the facts as they are: who would
gain and who would lose eligibility. The centre's own people are named; a network graduate
only counted, as their standing is all the centre may know of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from peerlink_eligibility.domain.decision import concerns, qualifies
from peerlink_eligibility.domain.facts import PersonFacts
from peerlink_eligibility.domain.policy import Policy


def _eligible(facts: PersonFacts, policy: Policy, today: date) -> bool:
    return concerns(facts, policy) and qualifies(facts, policy, today)


@dataclass
class PolicyPreview:
    """Filled person by person (`add`), so the facts can stream past in batches."""

    current: Policy
    proposed: Policy
    today: date
    facts_as_of: datetime  # the facts judged are those stored by then (or newer)
    considered: int = 0  # persons either policy concerns
    eligible_now: int = 0
    eligible_after: int = 0
    gaining: list[str] = field(default_factory=list)  # the centre's own people, by id
    losing: list[str] = field(default_factory=list)
    network_gaining: int = 0  # network graduates: counts only
    network_losing: int = 0

    def __post_init__(self) -> None:
        if self.current.centre_id != self.proposed.centre_id:
            raise ValueError("a preview compares two policies of one centre")

    @property
    def centre_id(self) -> str:
        return self.current.centre_id

    def add(self, facts: PersonFacts) -> None:
        if not (concerns(facts, self.current) or concerns(facts, self.proposed)):
            return
        self.considered += 1
        now = _eligible(facts, self.current, self.today)
        after = _eligible(facts, self.proposed, self.today)
        self.eligible_now += now
        self.eligible_after += after
        if now == after:
            return
        own = self.centre_id in facts.linked_centres
        if after and own:
            self.gaining.append(facts.person_id)
        elif after:
            self.network_gaining += 1
        elif own:
            self.losing.append(facts.person_id)
        else:
            self.network_losing += 1

    @property
    def supporters_losing(self) -> int:
        """Supporters eligible now who would not be: the ones sessions could lose."""
        return len(self.losing) + self.network_losing
