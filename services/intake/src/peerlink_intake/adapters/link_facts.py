"""The facts that made and ended a person's links, one insert-only document each.

FerretDB v1 applies an update by reading and rewriting the document, so two link changes
for one person at the same instant could lose one (INFRA.md). Inserts under a unique `_id`
hold exactly: each link, referral and withdrawal is its own document, its `_id` made from
what it says (so the same fact again is a duplicate, and nothing), and a person's links are
derived by reading them all (`standing_links`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime

from peerlink_shared.storage.mongo import Database, Document, insert_once

from peerlink_intake.domain.links import ConsentWithdrawal, Link, Referral

LINK, REFERRAL, WITHDRAWAL = "link", "referral", "consent_withdrawal"


class LinkFacts:
    def __init__(self, db: Database) -> None:
        self._facts = db["link_facts"]

    async def ensure_indexes(self) -> None:
        await self._facts.create_index([("person_id", 1)])
        await self._facts.create_index([("centre_id", 1), ("kind", 1)])

    async def add_link(self, person_id: str, link: Link, *, at: datetime) -> None:
        """One per person, centre, basis and day; the first one recorded stays."""
        key = f"{person_id}:{LINK}:{link.centre_id}:{link.basis}:{_iso(link.linked_on)}"
        await insert_once(
            self._facts,
            {
                "_id": key,
                "person_id": person_id,
                "kind": LINK,
                "centre_id": link.centre_id,
                "basis": link.basis,
                "linked_on": _iso(link.linked_on),
                "referred_by": link.referred_by,
                "recorded_by": link.recorded_by,
                "recorded_at": at,
            },
        )

    async def add_referral(self, person_id: str, referral: Referral, *, at: datetime) -> None:
        """One per person, referring and referred centre and day; a later one replaces it
        when links are derived."""
        day = referral.referred_on.isoformat()
        key = f"{person_id}:{REFERRAL}:{referral.referred_by}:{referral.centre_id}:{day}"
        await insert_once(
            self._facts,
            {
                "_id": key,
                "person_id": person_id,
                "kind": REFERRAL,
                "centre_id": referral.centre_id,
                "referred_by": referral.referred_by,
                "referred_on": day,
                "made_by": referral.made_by,
                "recorded_at": at,
            },
        )

    async def add_withdrawal(
        self, person_id: str, withdrawal: ConsentWithdrawal, *, at: datetime
    ) -> None:
        day = withdrawal.withdrawn_on.isoformat()
        await insert_once(
            self._facts,
            {
                "_id": f"{person_id}:{WITHDRAWAL}:{withdrawal.centre_id}:{day}",
                "person_id": person_id,
                "kind": WITHDRAWAL,
                "centre_id": withdrawal.centre_id,
                "withdrawn_on": day,
                "recorded_by": withdrawal.recorded_by,
                "recorded_at": at,
            },
        )

    async def of(
        self, person_id: str
    ) -> tuple[list[Link], list[Referral], list[ConsentWithdrawal]]:
        """Every link made, referral made and consent withdrawn, as recorded."""
        links: list[Link] = []
        referrals: list[Referral] = []
        withdrawals: list[ConsentWithdrawal] = []
        async for doc in self._facts.find({"person_id": person_id}):
            match doc.get("kind"):
                case "link":
                    links.append(_link(doc))
                case "referral":
                    referrals.append(_referral(doc))
                case "consent_withdrawal":
                    withdrawals.append(_withdrawal(doc))
        return links, referrals, withdrawals

    async def referred_to(self, centre_id: str) -> AsyncIterator[str]:
        """The persons referred to the centre at some time (pending or not), each once."""
        seen: set[str] = set()
        async for doc in self._facts.find(
            {"centre_id": centre_id, "kind": REFERRAL}, {"person_id": 1}
        ):
            if (person_id := str(doc["person_id"])) not in seen:
                seen.add(person_id)
                yield person_id

    async def erase(self, person_id: str) -> int:
        found = await self._facts.delete_many({"person_id": person_id})
        return found.deleted_count


def _link(doc: Document) -> Link:
    return Link(
        doc["centre_id"],
        doc["basis"],
        _day(doc.get("linked_on")),
        referred_by=doc.get("referred_by"),
        recorded_by=doc.get("recorded_by"),
    )


def _referral(doc: Document) -> Referral:
    return Referral(
        doc["centre_id"],
        doc["referred_by"],
        date.fromisoformat(doc["referred_on"]),
        made_by=doc.get("made_by"),
    )


def _withdrawal(doc: Document) -> ConsentWithdrawal:
    return ConsentWithdrawal(
        doc["centre_id"],
        date.fromisoformat(doc["withdrawn_on"]),
        recorded_by=doc.get("recorded_by"),
    )


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)
