"""The what-if behind POST /centres/{c}/policy/preview: a proposed policy against the facts
as stored, in one streaming pass, writing nothing."""

from __future__ import annotations

from dataclasses import replace

from peerlink_shared.clock import Clock

from peerlink_eligibility.adapters.policies import PolicyRepository
from peerlink_eligibility.adapters.repository import EligibilityRepository
from peerlink_eligibility.domain.policy import Policy
from peerlink_eligibility.domain.preview import PolicyPreview
from peerlink_eligibility.policy_changes import VersionConflict

BATCH = 1000


class PolicyPreviews:
    def __init__(
        self, *, repository: EligibilityRepository, policies: PolicyRepository, clock: Clock
    ) -> None:
        self._repository = repository
        self._policies = policies
        self._clock = clock

    async def preview(self, proposed: Policy, *, expected_version: int | None) -> PolicyPreview:
        """Compares the proposal with the centre's current policy, as of today; refuses,
        before reading anyone, if that is no longer the version the caller read."""
        current = await self._policies.current(proposed.centre_id)
        if expected_version is not None and expected_version != current.version:
            raise VersionConflict(proposed.centre_id)
        found = PolicyPreview(
            current, replace(proposed, version=current.version + 1), self._clock.today()
        )
        async for snapshots in self._repository.all_facts(batch=BATCH):
            for snapshot in snapshots:
                found.add(snapshot.facts)
        return found
