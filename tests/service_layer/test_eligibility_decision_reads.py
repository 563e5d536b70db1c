"""What a centre may read: its own people's decisions with their reasons; a network
graduate's standing only while they share, and never their reasons (ops see everything)."""

from __future__ import annotations

from datetime import date

import pytest
from peerlink_eligibility.domain.policy import Policy
from peerlink_eligibility.service_layer.decision_reads import NoDecision, NotOwnPerson
from peerlink_shared.contracts import NetworkSharingChanged

from tests.fakes.eligibility import FakeEligibility, graduate_facts


async def harbour_graduate(world: FakeEligibility) -> None:
    await world.policies.make_current(Policy("bay", version=1, accept_network_graduates=True))
    for n, fact in enumerate(graduate_facts("p-1", "harbour", today=world.clock.today())):
        await world.record(fact, event_id=f"evt-{n}")


async def test_a_centre_reads_its_own_peoples_decisions_with_reasons() -> None:
    world = FakeEligibility()
    await harbour_graduate(world)
    reads = world.cases.reads

    stored = await reads.decision("p-1", "harbour", sees_all=False)

    assert stored.decision.eligible
    assert [s.decision.person_id for s in await reads.own_people("harbour", eligible=True)] == [
        "p-1"
    ]
    assert await reads.own_people("harbour", eligible=False) == []
    with pytest.raises(NoDecision):
        await reads.decision("p-unknown", "p-unknown-centre", sees_all=True)


async def test_another_centre_sees_nothing_of_a_graduate_who_does_not_share() -> None:
    world = FakeEligibility()
    await harbour_graduate(world)
    reads = world.cases.reads

    with pytest.raises(NotOwnPerson):
        await reads.decision("p-1", "bay", sees_all=False)
    with pytest.raises(NoDecision):
        await reads.standing("p-1", "bay", sees_all=False)
    assert await reads.eligible_at("bay") == []


async def test_a_sharing_graduate_shows_a_standing_but_never_reasons_elsewhere() -> None:
    world = FakeEligibility()
    await harbour_graduate(world)
    sharing = NetworkSharingChanged(person_id="p-1", sharing=True, changed_on=date(2026, 3, 2))
    await world.record(sharing, event_id="evt-share")
    reads = world.cases.reads

    standing = await reads.standing("p-1", "bay", sees_all=False)

    assert standing.eligible and await reads.eligible_at("bay") == ["p-1"]
    with pytest.raises(NotOwnPerson):
        await reads.decision("p-1", "bay", sees_all=False)
    assert await reads.own_people("bay", eligible=None) == []
    assert (await reads.decision("p-1", "bay", sees_all=True)).decision.eligible  # ops
    assert [s.decision.centre_id for s in await reads.decisions_of("p-1")] == ["bay", "harbour"]
