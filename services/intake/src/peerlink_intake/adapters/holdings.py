"""What intake holds about one person, for their subject access report: their registration,
links and pending referrals, and every fact recorded about them."""

from __future__ import annotations

from peerlink_shared.lifecycle.subject_access import Purpose, Record, StoreHeld, plain, record
from peerlink_shared.security.auth import Principal
from peerlink_shared.storage.mongo import Database, Document, for_report

from peerlink_intake.adapters.repository import IntakeRepository
from peerlink_intake.domain.erasure import Erased
from peerlink_intake.domain.links import PersonLinks

# The same words as docs/privacy.md, so the page and the report agree.
PERSONS = Purpose(
    store="persons",
    holds="the centres linked to you and how (home, referral, consent), referrals "
    "still waiting to be accepted, and the consents to a link you withdrew",
    why="who belongs where: only a centre linked to you may record facts about you",
)
FACTS = Purpose(
    store="facts",
    holds="every fact recorded about you: admissions, programme ends, discharges, sobriety "
    "milestones, relapses, craving check-ins, volunteering, training, background checks, "
    "referrals, consents and network sharing",
    why="the record of what happened, from which eligibility is decided",
)


class IntakeHoldings:
    def __init__(self, db: Database, *, repository: IntakeRepository) -> None:
        self._repository = repository
        self._facts = db["facts"]

    async def held(self, person_id: str, *, caller: Principal) -> list[StoreHeld]:
        try:
            links = await self._repository.links_of(person_id)
        except Erased:
            links = None  # their tombstone: an id, no link
        facts = await for_report(self._facts, {"person_id": person_id}, by="recorded_at")
        return [
            PERSONS.held([] if links is None else _link_records(links)),
            FACTS.held(_fact_record(doc) for doc in facts),
        ]


def fact_name(event_type: str) -> str:
    """`peerlink.person.relapse-recorded.v1` as a person reads it: `relapse-recorded`."""
    parts = event_type.split(".")
    return parts[2] if len(parts) == 4 and parts[:2] == ["peerlink", "person"] else event_type


def _link_records(links: PersonLinks) -> list[Record]:
    """Each link, each pending referral and each consent withdrawn. Who recorded one (a
    staff member's id) is theirs, and left out."""
    found: list[Record] = [
        {
            "linked_centre": link.centre_id,
            "basis": link.basis,
            "linked_on": plain(link.linked_on),
            "referred_by": link.referred_by,
        }
        for link in links.links
    ]
    found += [
        {
            "referred_to": referral.centre_id,
            "referred_by": referral.referred_by,
            "referred_on": plain(referral.referred_on),
        }
        for referral in links.pending()
    ]
    found += [
        {"consent_withdrawn_from": w.centre_id, "withdrawn_on": plain(w.withdrawn_on)}
        for w in links.withdrawals
    ]
    return found


def _fact_record(doc: Document) -> Record:
    return {
        "fact": fact_name(str(doc.get("type"))),
        "recorded_at": plain(doc.get("recorded_at")),
        **record(doc.get("data", {}), leave_out=("person_id",)),
    }
