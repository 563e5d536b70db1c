"""What every service shares when it forgets a person: the ledger of erasures it carried out
(the person's id as a tombstone, so late events about them can be recognised), the scrub of
the shared stores that may hold their data, and the confirmation it publishes.

A service's own `EraseOwnStores` deletes its own collections; `Erasure` runs it
for a `PersonErasureRequested`, once per request however often the event arrives, and
publishes `PersonErased` through the outbox.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime
from typing import Protocol, TypeVar

import structlog

from peerlink_shared.clock import Clock
from peerlink_shared.contracts.base import Payload
from peerlink_shared.contracts.erasure import ErasingService, PersonErased, PersonErasureRequested
from peerlink_shared.messaging.consumer import route
from peerlink_shared.messaging.envelope import Envelope, derived_event_id
from peerlink_shared.messaging.outbox import Outbox
from peerlink_shared.messaging.publishing import Cause, Publisher, source_of
from peerlink_shared.messaging.subscriptions import Subscription
from peerlink_shared.messaging.topics import Topics
from peerlink_shared.observability.metrics import ERASED_PERSON_EVENTS
from peerlink_shared.runtime import ServiceRuntime
from peerlink_shared.storage.mongo import Database, insert_once

log = structlog.get_logger("peerlink.erasure")

Counts = dict[str, int]


class EraseOwnStores(Protocol):
    """Deletes what one service holds about the person; documents deleted per collection.
    Events it publishes on the way carry the request's correlation id."""

    async def __call__(self, person_id: str, *, now: datetime, correlation_id: str) -> Counts: ...


def mentions(person_id: str) -> dict[str, str]:
    """A `$regex` on a JSON text that matches the person's id as a whole JSON string (ids are
    opaque, so `"p-1"` never matches inside `"p-12"`)."""
    return {"$regex": re.escape(f'"{person_id}"')}


def keyed_by(person_id: str, *, separators: str) -> dict[str, str]:
    """A `$regex` on an `_id` made of the person's id, then one of `separators`, then more."""
    return {"$regex": f"^{re.escape(person_id)}[{re.escape(separators)}]"}


P = TypeVar("P", bound=Payload)
Handler = Callable[[Envelope, P], Awaitable[None]]


def undoing_for_erased_persons(
    handler: Handler[P],
    *,
    ledger: ErasureLedger,
    persons: Callable[[P], Iterable[str]],
    erase_again: EraseOwnStores,
    clock: Clock,
) -> Handler[P]:
    """A handler whose writes about a person can race with that person's erasure (events on
    another topic than the erasure): after it ran, a person erased meanwhile is erased again,
    which undoes what it wrote. With `ErasureLedger.begin` this leaves nothing either way."""

    async def checked(envelope: Envelope, payload: P) -> None:
        await handler(envelope, payload)
        for person_id in persons(payload):
            if await ledger.is_erased(person_id):
                skipped_for_erased_person(envelope, person_id=person_id)
                await erase_again(person_id, now=clock.now(), correlation_id=envelope.correlationid)

    return checked


def skipped_for_erased_person(envelope: Envelope, *, person_id: str) -> None:
    """Counts and logs an event about an erased person that stored nothing."""
    ERASED_PERSON_EVENTS.labels(event_type=envelope.type).inc()
    log.info("erased_person_event_skipped", person=person_id)


class ErasureLedger:
    """`erasures`: one document per erased person (their id, the request, when, what was
    deleted), kept for good: the tombstone that says this person must stay forgotten."""

    def __init__(self, db: Database) -> None:
        self._erasures = db["erasures"]
        # Erasure is final: once seen, an id is erased for good in this process.
        self._known: set[str] = set()

    async def begin(self, *, person_id: str, request_id: str, at: datetime) -> None:
        """The tombstone, before anything is deleted: a handler that checks it after its own
        writes either sees it (and undoes them) or wrote before it, and the erasure that
        follows deletes what it wrote."""
        self._known.add(person_id)
        await insert_once(
            self._erasures,
            {
                "_id": f"{person_id}:{request_id}",
                "person_id": person_id,
                "request_id": request_id,
                "erased_at": at,
                "deleted": None,
            },
        )

    async def finish(
        self, *, person_id: str, request_id: str, deleted: Mapping[str, int]
    ) -> Counts:
        """Records what the first complete run deleted; returns the counts stored (an earlier
        run's, when this is a redelivery)."""
        key = f"{person_id}:{request_id}"
        await self._erasures.update_one(
            {"_id": key, "deleted": None}, {"$set": {"deleted": dict(deleted)}}
        )
        found = await self._erasures.find_one({"_id": key}, {"deleted": 1})
        stored = None if found is None else found.get("deleted")
        return dict(deleted) if stored is None else {str(k): int(v) for k, v in stored.items()}

    async def ensure_indexes(self) -> None:
        await self._erasures.create_index([("person_id", 1)])

    async def is_erased(self, person_id: str) -> bool:
        if person_id in self._known:
            return True
        if await self._erasures.find_one({"person_id": person_id}, {"_id": 1}) is None:
            return False
        self._known.add(person_id)
        return True


async def scrub_parked_outbox(db: Database, person_id: str) -> int:
    """Parked outbox entries hold whole events: those naming the person go. (Pending entries
    are published within seconds and then deleted; the confirmation is recorded after them.)"""
    result = await db["outbox_parked"].delete_many({"body": mentions(person_id)})
    return result.deleted_count


class Erasure:
    """Runs one service's erasure for a request and confirms it."""

    def __init__(
        self,
        *,
        service: ErasingService,
        db: Database,
        erase_own_stores: EraseOwnStores,
        outbox: Outbox,
        topics: Topics,
        clock: Clock,
    ) -> None:
        self._service: ErasingService = service
        self._db = db
        self._erase_own_stores = erase_own_stores
        self.ledger = ErasureLedger(db)
        self._confirmations = Publisher(
            sink=outbox, source=source_of(service), topic=topics.person_erased, clock=clock
        )
        self._requests = topics.person_erasure
        self._clock = clock

    def subscription(self) -> Subscription:
        """Every service's subscription to the erasure requests."""
        return Subscription(
            self._requests, [route(PersonErasureRequested, self.on_erasure_requested)]
        )

    def undoing(self, handler: Handler[P], persons: Callable[[P], Iterable[str]]) -> Handler[P]:
        """`handler`, made to undo what it wrote about a person erased meanwhile, by erasing
        them again from this service's stores (`undoing_for_erased_persons`)."""
        return undoing_for_erased_persons(
            handler,
            ledger=self.ledger,
            persons=persons,
            erase_again=self._erase_own_stores,
            clock=self._clock,
        )

    async def on_erasure_requested(
        self, envelope: Envelope, request: PersonErasureRequested
    ) -> None:
        """Deletes, records, then confirms. A crash anywhere redelivers the request: deleting
        again finds nothing, and the confirmation keeps its id and the first run's counts."""
        person_id, now = request.person_id, self._clock.now()
        await self.ledger.begin(person_id=person_id, request_id=request.request_id, at=now)
        deleted = await self._erase_own_stores(
            person_id, now=now, correlation_id=envelope.correlationid
        )
        deleted["outbox_parked"] = await scrub_parked_outbox(self._db, person_id)
        deleted = await self.ledger.finish(
            person_id=person_id, request_id=request.request_id, deleted=deleted
        )
        confirmed = PersonErased(
            person_id=person_id,
            request_id=request.request_id,
            service=self._service,
            deleted=deleted,
            erased_at=now,
        )
        await self._confirmations.publish(
            confirmed,
            subject=person_id,
            cause=Cause.of(envelope),
            event_id=derived_event_id("erased", self._service, request.request_id),
        )
        log.info("person_erased", person=person_id, request=request.request_id, deleted=deleted)


def erasure_in(
    runtime: ServiceRuntime, *, service: ErasingService, erase_own_stores: EraseOwnStores
) -> Erasure:
    """The service's erasure over its runtime's database, outbox and clock; the ledger's
    indexes are made when the service starts."""
    erasure = Erasure(
        service=service,
        db=runtime.db,
        erase_own_stores=erase_own_stores,
        outbox=runtime.outbox,
        topics=runtime.topics,
        clock=runtime.clock,
    )
    runtime.startup_hooks.append(erasure.ledger.ensure_indexes)
    return erasure
