"""Intake's MongoDB collections: centres, persons (ids and their home centre), the facts that
made their links (`link_facts`) and recorded facts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime

from peerlink_shared.contracts import CentreRegistered
from peerlink_shared.storage.mongo import Database, Document, insert_once
from pymongo.errors import DuplicateKeyError

from peerlink_intake.adapters.link_facts import LinkFacts
from peerlink_intake.domain.erasure import Erased
from peerlink_intake.domain.links import (
    ConsentWithdrawal,
    Link,
    PersonLinks,
    Referral,
    standing_links,
)
from peerlink_intake.service_layer.ports import FactRecord


class KnownIds:
    """Ids seen to exist, the most recent `limit` of them (the oldest are forgotten first)."""

    def __init__(self, *, limit: int) -> None:
        self._ids: dict[str, None] = {}
        self._limit = limit

    def __contains__(self, key: str) -> bool:
        return key in self._ids

    def add(self, key: str) -> None:
        self._ids[key] = None
        if len(self._ids) > self._limit:
            del self._ids[next(iter(self._ids))]


class IntakeRepository:
    def __init__(self, db: Database) -> None:
        self._centres = db["centres"]
        self._persons = db["persons"]
        self._facts = db["facts"]
        self._link_facts = LinkFacts(db)
        # Centres and persons are registered once and never removed: once seen, known for
        # good, so the clinic door does not read them again for every fact about them. (An
        # erased person stays known: their tombstone remains, and every path that records
        # a fact reads their links or centres, which refuse.)
        self._known_centres = KnownIds(limit=10_000)
        self._known_persons = KnownIds(limit=200_000)

    async def ensure_indexes(self) -> None:
        await self._facts.create_index([("person_id", 1), ("recorded_at", 1)])
        await self._persons.create_index([("referred_to", 1)])
        await self._link_facts.ensure_indexes()

    async def save_centre(self, centre: CentreRegistered) -> None:
        await self._centres.update_one(
            {"_id": centre.centre_id}, {"$set": centre.model_dump(mode="json")}, upsert=True
        )

    async def centre(self, centre_id: str) -> CentreRegistered | None:
        found = await self._centres.find_one({"_id": centre_id})
        return None if found is None else CentreRegistered.model_validate(found)

    async def centre_exists(self, centre_id: str) -> bool:
        if centre_id not in self._known_centres:
            if await self._centres.find_one({"_id": centre_id}, {"_id": 1}) is None:
                return False
            self._known_centres.add(centre_id)
        return True

    async def person_exists(self, person_id: str) -> bool:
        if person_id not in self._known_persons:
            if await self._persons.find_one({"_id": person_id}, {"_id": 1}) is None:
                return False
            self._known_persons.add(person_id)
        return True

    async def add_person(self, *, person_id: str, home: Link, at: datetime) -> bool:
        try:
            await self._persons.insert_one(
                {
                    "_id": person_id,
                    "registered_by": home.centre_id,
                    "centres": [home.centre_id],
                    "links": {home.centre_id: _link_document(home, at)},
                    "registered_at": at,
                }
            )
        except DuplicateKeyError:
            return False
        return True

    async def centres_of(self, person_id: str) -> set[str] | None:
        links = await self.links_of(person_id)
        return None if links is None else set(links.centres)

    async def links_of(self, person_id: str) -> PersonLinks | None:
        found = await self._persons.find_one(
            {"_id": person_id}, {"_id": 1, ERASED: 1, **LINK_FIELDS}
        )
        if found is None:
            return None
        return await self._derived_links(_living(found))

    async def _derived_links(self, found: Document) -> PersonLinks:
        """The person document's own links (home; before link facts, every link) and the
        link facts recorded since."""
        kept = _person_links(found)
        links, referrals, withdrawals = await self._link_facts.of(kept.person_id)
        return standing_links(
            kept.person_id,
            (*kept.links, *links),
            (*kept.referrals, *referrals),
            withdrawals,
        )

    async def mark_erased(self, person_id: str, *, at: datetime, request_id: str) -> int:
        before = await self._persons.find_one_and_replace(
            {"_id": person_id, ERASED: {"$exists": False}},
            {ERASED: at, "erasure_request_id": request_id},
        )
        return int(before is not None)

    async def erase_person(
        self, person_id: str, *, now: datetime, correlation_id: str
    ) -> dict[str, int]:
        """Everything intake holds about the person but their tombstone (and the audit
        trail and the erasure request, which hold ids only)."""
        facts = await self._facts.delete_many({"person_id": person_id})
        links = await self._link_facts.erase(person_id)
        persons = await self._persons.update_one(
            {"_id": person_id, ERASED: {"$exists": False}},
            {"$set": {ERASED: now}, "$unset": {field: "" for field in PERSON_DATA}},
        )
        counts = {"facts": facts.deleted_count, "persons": persons.modified_count}
        return counts | ({"link_facts": links} if links else {})

    # Link changes are inserts only (see link_facts.py): the person's document is written
    # once, at registration, and two link changes at the same instant both hold.
    async def add_link(self, person_id: str, link: Link, *, at: datetime) -> None:
        await self._link_facts.add_link(person_id, link, at=at)

    async def add_referral(self, person_id: str, referral: Referral, *, at: datetime) -> None:
        await self._link_facts.add_referral(person_id, referral, at=at)

    async def end_consent(
        self, person_id: str, withdrawal: ConsentWithdrawal, *, at: datetime
    ) -> None:
        await self._link_facts.add_withdrawal(person_id, withdrawal, at=at)

    async def referrals_to(self, centre_id: str, *, limit: int) -> list[tuple[str, Referral]]:
        pending: list[tuple[str, Referral]] = []
        async for person_id in self._referred_to(centre_id):
            try:
                links = await self.links_of(person_id)
            except Erased:
                continue
            if links is not None:
                pending += [(person_id, r) for r in links.pending() if r.centre_id == centre_id]
            if len(pending) >= limit:
                break
        return pending[:limit]

    async def _referred_to(self, centre_id: str) -> AsyncIterator[str]:
        """Persons referred to the centre: in link facts, or (older records) on their
        document."""
        seen: set[str] = set()
        async for found in self._persons.find({"referred_to": centre_id}, {"_id": 1}):
            seen.add(str(found["_id"]))
            yield str(found["_id"])
        async for person_id in self._link_facts.referred_to(centre_id):
            if person_id not in seen:
                yield person_id

    async def record_fact(self, fact: FactRecord) -> None:
        await insert_once(
            self._facts,
            {
                "_id": fact.event_id,
                "person_id": fact.person_id,
                "type": fact.event_type,
                "data": fact.data,
                "recorded_at": fact.at,
            },
        )

    async def recorded_fact(self, event_id: str) -> tuple[str, dict[str, object]] | None:
        found = await self._facts.find_one({"_id": event_id}, {"type": 1, "data": 1})
        return None if found is None else (str(found["type"]), dict(found["data"]))


LINK_FIELDS = {"centres": 1, "links": 1, "referrals": 1, "registered_by": 1, "registered_at": 1}
# Set on an erased person's document, which keeps nothing but its id and the request's.
ERASED = "erased_at"
PERSON_DATA = (*LINK_FIELDS, "referred_to")


def _living(found: Document) -> Document:
    if found.get(ERASED) is not None:
        raise Erased(str(found["_id"]))
    return found


def _link_document(link: Link, at: datetime) -> Document:
    return {
        "basis": link.basis,
        "linked_on": _iso(link.linked_on),
        "referred_by": link.referred_by,
        "recorded_by": link.recorded_by,
        "recorded_at": at,
    }


def _person_links(found: Document) -> PersonLinks:
    recorded = found.get("links", {})
    links = []
    for centre_id in found.get("centres", []):
        if (doc := recorded.get(centre_id)) is not None:
            links.append(
                Link(
                    centre_id,
                    doc["basis"],
                    _day(doc.get("linked_on")),
                    referred_by=doc.get("referred_by"),
                    recorded_by=doc.get("recorded_by"),
                )
            )
        else:
            # Linked before links said how: the registering centre, or an admission.
            home = centre_id == found.get("registered_by")
            registered = found.get("registered_at")
            linked_on = registered.date() if home and registered else None
            links.append(Link(centre_id, "home" if home else "admission", linked_on))
    referrals = [
        Referral(
            doc["centre_id"],
            doc["referred_by"],
            date.fromisoformat(doc["referred_on"]),
            made_by=doc.get("made_by"),
        )
        for doc in found.get("referrals", {}).values()
    ]
    return PersonLinks(str(found["_id"]), tuple(links), tuple(referrals))


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)
