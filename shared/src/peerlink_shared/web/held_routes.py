"""`GET /persons/{person_id}/held`: what this service holds about the person, for the person
themself (or ops for every centre, with a stated reason). Audited like every person-data
route; intake's subject access report asks each service this, relaying the caller's token."""

from __future__ import annotations

from typing import Protocol

from fastapi import APIRouter

from peerlink_shared.auditing.audit_log import AuditLog, AuditQuery
from peerlink_shared.lifecycle.subject_access import Held, Purpose, Record, StoreHeld, kept_for
from peerlink_shared.runtime import ServiceRuntime
from peerlink_shared.security.auth import Principal
from peerlink_shared.web.http import PersonId, authorize_self
from peerlink_shared.web.person_access import PersonCaller

# The newest entries of a person's trail in a report; the whole trail is at GET /audit.
AUDIT_ENTRIES = 200


def audit_purpose(retention_days: int) -> Purpose:
    return Purpose(
        store="audit",
        holds="each access to your data: when, by which route, the caller's role and centre, "
        "the outcome and any stated reason (never the data itself); the newest "
        f"{AUDIT_ENTRIES} here",
        why="accountability for every access to a person's data",
        kept=kept_for(retention_days, "PEERLINK_AUDIT_RETENTION_DAYS"),
    )


class Holdings(Protocol):
    """A service's own stores, read for one person."""

    async def held(self, person_id: str, *, caller: Principal) -> list[StoreHeld]: ...


async def audit_held(log: AuditLog, person_id: str, *, purpose: Purpose) -> StoreHeld:
    """Who accessed the person's data here. The staff member's own id is left out: it is
    theirs; their role and centre say who acted."""
    page = await log.page(AuditQuery(person_id=person_id, limit=AUDIT_ENTRIES))
    records: list[Record] = [
        {
            "at": entry.at.isoformat(),
            "action": entry.action,
            "by_role": str(entry.actor.role),
            "by_centre": entry.actor.centre,
            "outcome": entry.outcome,
            "access_reason": entry.access_reason,
        }
        for entry in page.entries
    ]
    return purpose.held(records)


class WithTrail:
    """A service's own stores, and then its audit trail of the person."""

    def __init__(self, *, runtime: ServiceRuntime, holdings: Holdings) -> None:
        self._holdings = holdings
        self._audit = runtime.audit
        self._purpose = audit_purpose(runtime.settings.audit_retention_days)

    async def held(self, person_id: str, *, caller: Principal) -> list[StoreHeld]:
        stores = await self._holdings.held(person_id, caller=caller)
        return [*stores, await audit_held(self._audit, person_id, purpose=self._purpose)]


def held_router(*, runtime: ServiceRuntime, holdings: Holdings) -> APIRouter:
    service, everything = runtime.service, WithTrail(runtime=runtime, holdings=holdings)
    router = APIRouter(tags=["subject access"])

    @router.get(
        "/persons/{person_id}/held",
        response_model=Held,
        summary="What this service holds about the person, why, and for how long",
    )
    async def read_held(person_id: PersonId, caller: PersonCaller) -> Held:
        """Every store of this service that can hold something about the person, with its
        records. A person this service knows nothing of gets empty stores, not a 404."""
        authorize_self(caller, person_id=person_id)
        stores = await everything.held(person_id, caller=caller)
        return Held(service=service, person_id=person_id, stores=stores)

    return router
