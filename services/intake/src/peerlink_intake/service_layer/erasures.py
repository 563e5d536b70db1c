"""Intake's erasure use cases: accept a request to forget a person, and follow the services'
confirmations until all four are in.

Accepting a request makes the person a tombstone at once (nothing more is recorded about
them from then on), destroys their data key and publishes `PersonErasureRequested`; every
service, intake included, then deletes what it holds and confirms with `PersonErased`.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from peerlink_shared.auth import Principal, Role
from peerlink_shared.clock import Clock
from peerlink_shared.contracts import PersonErased, PersonErasureRequested
from peerlink_shared.envelope import Envelope, derived_event_id
from peerlink_shared.publishing import Cause, Publisher

from peerlink_intake.domain.erasure import Erased, ErasureRequest, Requester
from peerlink_intake.service_layer.ports import KeyShredder, Persons, RequestStore, Tombstones

log = structlog.get_logger("peerlink.intake")


def requester(caller: Principal) -> Requester:
    return Requester(
        role="ops" if caller.role is Role.OPS else "coordinator",
        centre=caller.centre,
        subject=caller.subject,
    )


class UnknownPerson(Exception):
    """Intake never registered the person, and no erasure was asked for them."""


@dataclass(frozen=True)
class Concerned:
    """Whom erasing a person concerns: the centres linked to them (for a person erased
    already, whose links are gone, the centre that asked), and their latest request."""

    centres: frozenset[str]
    latest: ErasureRequest | None


class Erasures:
    def __init__(
        self,
        *,
        persons: Persons,
        repository: Tombstones,
        requests: RequestStore,
        keys: KeyShredder,
        person_erasure: Publisher,
        clock: Clock,
    ) -> None:
        self._persons = persons
        self._repository = repository
        self._requests = requests
        self._keys = keys
        self._person_erasure = person_erasure
        self._clock = clock

    async def request(self, person_id: str, *, by: Requester, reason: str) -> ErasureRequest:
        """Accepts a request, or returns the person's earlier one. Every step is idempotent and
        taken again on a repeated request, so a crash part-way is repaired by asking again."""
        request = await self._requests.latest_for(person_id)
        if request is None:
            request = ErasureRequest(
                # One per person: of two requests at once, one is stored, the other finds it.
                request_id=f"er-{derived_event_id('erasure-request', person_id)}",
                person_id=person_id,
                requested_by=by,
                reason=reason,
                requested_at=self._clock.now(),
            )
            if await self._requests.add(request):
                log.info("erasure_requested", person=person_id, request=request.request_id)
            else:
                request = await self._requests.get(request.request_id) or request
        await self._repository.mark_erased(
            person_id, at=request.requested_at, request_id=request.request_id
        )
        destroyed = await self._keys.destroy(person_id)
        log.info("person_key_destroyed", person=person_id, destroyed=destroyed)
        if not request.done:
            # Again while open: a crash may have come before the outbox; a copy is dropped.
            await self._publish_requested(request)
        return request

    async def concerned(self, person_id: str) -> Concerned:
        """Raises UnknownPerson."""
        try:
            centres = await self._persons.centres_of(person_id)
        except Erased:
            centres = None
        latest = await self._requests.latest_for(person_id)
        if centres is not None:
            return Concerned(frozenset(centres), latest)
        if latest is None:
            raise UnknownPerson(person_id)
        return Concerned(frozenset({latest.requested_by.centre}), latest)

    async def on_person_erased(self, envelope: Envelope, erased: PersonErased) -> None:
        """A service's confirmation, recorded on its request (once per service)."""
        await self._requests.confirm(
            erased.request_id, erased.service, at=erased.erased_at, deleted=dict(erased.deleted)
        )
        request = await self._requests.get(erased.request_id)
        if request is not None and request.done:
            log.info("erasure_done", person=erased.person_id, request=erased.request_id)

    async def _publish_requested(self, request: ErasureRequest) -> None:
        by = request.requested_by
        payload = PersonErasureRequested(
            person_id=request.person_id,
            request_id=request.request_id,
            requested_by_role=by.role,
            requested_by_centre=by.centre,
            requested_by_subject=by.subject,
            reason=request.reason,
            requested_at=request.requested_at,
        )
        event_id = derived_event_id("erasure-requested", request.request_id)
        await self._person_erasure.publish(
            payload, subject=request.person_id, cause=Cause(event_id), event_id=event_id
        )
