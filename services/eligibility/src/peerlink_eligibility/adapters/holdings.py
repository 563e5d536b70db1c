"""What eligibility holds about one person, for their subject access report: the facts the
rule reads, and each centre's decision with its reasons."""

from __future__ import annotations

from peerlink_shared.lifecycle.subject_access import Purpose, Record, StoreHeld, plain, record
from peerlink_shared.security.auth import Principal
from peerlink_shared.storage.mongo import Database, Document

# The same words as docs/privacy.md, so the page and the report agree.
PERSON_FACTS = Purpose(
    store="person_facts",
    holds="the facts about you the eligibility rule reads: stays and completions, sobriety "
    "date, relapses, craving check-ins, consent, training and checks, links and sharing",
    why="to decide, under each centre's policy, whether you qualify as a peer supporter",
)
DECISIONS = Purpose(
    store="decisions",
    holds="one decision per centre: eligible or not, the criteria that failed, and the date "
    "it will hold when only time is missing",
    why="the answer, and why, which scheduling staffs sessions from",
)


class EligibilityHoldings:
    def __init__(self, db: Database) -> None:
        self._facts = db["person_facts"]
        self._decisions = db["decisions"]

    async def held(self, person_id: str, *, caller: Principal) -> list[StoreHeld]:
        facts = await self._facts.find_one({"_id": person_id}) or {}
        decisions = await self._decisions.find({"person_id": person_id}).to_list()
        return [
            PERSON_FACTS.held(record(fact) for fact in facts.get("facts", [])),
            DECISIONS.held(_decision_record(doc) for doc in sorted(decisions, key=_centre)),
        ]


def _centre(doc: Document) -> str:
    return str(doc.get("centre_id"))


def _decision_record(doc: Document) -> Record:
    return {
        "centre_id": doc.get("centre_id"),
        "eligible": bool(doc.get("eligible")),
        "reasons": plain(doc.get("reasons", [])),
        "eligible_from": doc.get("eligible_from"),
        "holds_from": [f"{reason}: {day}" for reason, day in doc.get("holds_from", {}).items()],
        "policy_version": doc.get("policy_version"),
        "decided_at": plain(doc.get("decided_at")),
    }
