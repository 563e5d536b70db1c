"""The what-if behind POST /centres/{c}/policy/preview: a proposed policy against the facts
as stored, writing nothing. The facts are read once and held for previews that follow
(PreviewFacts says how stale they may be); with a max age of 0, every preview streams them."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace

import structlog
from peerlink_shared.clock import Clock

from peerlink_eligibility.domain.policy import Policy
from peerlink_eligibility.domain.preview import PolicyPreview
from peerlink_eligibility.service_layer.policy_changes import VersionConflict
from peerlink_eligibility.service_layer.ports import EligibilityStore, PolicyStore, Snapshot
from peerlink_eligibility.service_layer.preview_facts import HeldFacts, PreviewFacts

BATCH = 1000
log = structlog.get_logger("peerlink.eligibility")


class PolicyPreviews:
    def __init__(
        self,
        *,
        repository: EligibilityStore,
        policies: PolicyStore,
        held: PreviewFacts,
        clock: Clock,
    ) -> None:
        self._repository = repository
        self._policies = policies
        self._held = held
        self._clock = clock
        self._reading = asyncio.Lock()  # one read at a time; previews waiting share it
        self._refreshing: asyncio.Task[None] | None = None
        self._last: tuple[Policy, Policy] | None = None  # the last preview's policies
        self._dropping: asyncio.TimerHandle | None = None

    def start(self) -> None:
        """Nothing runs until a preview is asked for (a read behind it may then run)."""

    async def stop(self) -> None:
        if self._dropping is not None:
            self._dropping.cancel()
        if self._refreshing is not None:
            self._refreshing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refreshing

    async def preview(self, proposed: Policy, *, expected_version: int | None) -> PolicyPreview:
        """Compares the proposal with the centre's current policy, as of today; refuses,
        before reading anyone, if that is no longer the version the caller read."""
        current = await self._policies.current(proposed.centre_id)
        if expected_version is not None and expected_version != current.version:
            raise VersionConflict(proposed.centre_id)
        proposed = replace(proposed, version=current.version + 1)
        if not self._held.max_age:
            return await self._streamed(current, proposed)
        self._last = (current, proposed)
        return await self._evaluate(current, proposed, await self._held_facts())

    async def _evaluate(self, current: Policy, proposed: Policy, held: HeldFacts) -> PolicyPreview:
        found = PolicyPreview(current, proposed, self._clock.today(), facts_as_of=held.as_of)
        for start in range(0, len(held.persons), BATCH):
            for facts in held.persons[start : start + BATCH]:
                found.add(facts)
            await asyncio.sleep(0)  # the consumer and other requests run between batches
        return found

    async def _streamed(self, current: Policy, proposed: Policy) -> PolicyPreview:
        found = PolicyPreview(current, proposed, self._clock.today(), facts_as_of=self._clock.now())
        async for snapshots in self._repository.all_facts(batch=BATCH):
            for snapshot in snapshots:
                found.add(snapshot.facts)
        return found

    async def _held_facts(self) -> HeldFacts:
        now = self._clock.now()
        held = self._held.at(now)
        if held is None:
            async with self._reading:
                held = self._held.at(self._clock.now())
                return held if held is not None else await self._read()
        idle = self._refreshing is None or self._refreshing.done()
        if idle and self._held.due_for_refresh(now):
            self._refreshing = asyncio.create_task(self._refresh())
        return held

    async def _refresh(self) -> None:
        try:
            async with self._reading:
                if not self._held.due_for_refresh(self._clock.now()):
                    return  # read meanwhile
                held = await self._read()
            if self._last is not None:
                # The last proposal once more, its answer dropped: each person's facts derive
                # what the rule reads (most of a first evaluation) here, not in a preview.
                await self._evaluate(*self._last, held)
        except Exception as error:  # the next preview reads them itself
            log.warning("preview_facts_refresh_failed", error=type(error).__name__)

    async def _read(self) -> HeldFacts:
        as_of = self._clock.now()  # before the read: every fact stored by then is in it
        self._held.begin_read()
        read: list[Snapshot] = []
        try:
            async for snapshots in self._repository.all_facts(batch=BATCH):
                read.extend(snapshots)
        except BaseException:
            self._held.abandon_read()
            raise
        held = self._held.end_read(read, as_of=as_of)
        if self._dropping is not None:
            self._dropping.cancel()
        self._dropping = asyncio.get_running_loop().call_later(
            self._held.max_age.total_seconds(), self._drop_expired
        )
        return held

    def _drop_expired(self) -> None:
        self._held.drop_if_expired(self._clock.now())
