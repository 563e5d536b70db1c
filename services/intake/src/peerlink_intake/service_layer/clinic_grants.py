"""Changing which centres a clinic system may act for: each change a new version."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import structlog
from peerlink_shared.clock import Clock

from peerlink_intake.domain.clinics import ChangedBy, ClinicGrants, granted, replaced, revoked
from peerlink_intake.service_layer.ports import ClinicGrantStore

log = structlog.get_logger("peerlink.intake")
# Concurrent changes to one clinic each claim the next version; a loser re-reads and tries
# again on top of the winner's version.
MAX_TRIES = 5

Step = Callable[[ClinicGrants | None, datetime], ClinicGrants | None]


class ClinicNotRegistered(Exception):
    """Only ops register a clinic (with its topic and principal); coordinators grant it."""


class ConcurrentChanges(Exception):
    """Other changes to this clinic kept winning the next version."""


class ClinicGrantChanges:
    def __init__(self, *, clinics: ClinicGrantStore, clock: Clock) -> None:
        self._clinics = clinics
        self._clock = clock

    async def replace(self, clinic: str, centres: frozenset[str], *, by: ChangedBy) -> ClinicGrants:
        """Sets the whole list; the first time, registers the clinic."""
        return await self._change(
            clinic,
            lambda current, at: replaced(current, clinic=clinic, centres=centres, by=by, at=at),
        )

    async def grant(self, clinic: str, centre: str, *, by: ChangedBy) -> ClinicGrants:
        return await self._change(
            clinic,
            lambda current, at: granted(_registered(current), centre=centre, by=by, at=at),
        )

    async def revoke(self, clinic: str, centre: str, *, by: ChangedBy) -> ClinicGrants:
        return await self._change(
            clinic,
            lambda current, at: revoked(_registered(current), centre=centre, by=by, at=at),
        )

    async def _change(self, clinic: str, step: Step) -> ClinicGrants:
        for _ in range(MAX_TRIES):
            current = await self._clinics.current(clinic)
            wanted = step(current, self._clock.now())
            if wanted is None:
                return _registered(current)
            if await self._clinics.add_version(wanted):
                await self._clinics.make_current(wanted)
                log.info(
                    "clinic_grants_changed",
                    clinic=clinic,
                    version=wanted.version,
                    change=wanted.change,
                    centre=wanted.centre,
                )
                return wanted
            # A version stored by a writer that has not made it current yet (or crashed
            # before it could) is rolled forward, so the clinic is never stuck.
            stored = await self._clinics.version(clinic, wanted.version)
            if stored is not None:
                await self._clinics.make_current(stored)
        raise ConcurrentChanges(clinic)


def _registered(current: ClinicGrants | None) -> ClinicGrants:
    if current is None:
        raise ClinicNotRegistered
    return current
