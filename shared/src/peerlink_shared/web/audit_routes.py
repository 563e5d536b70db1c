"""`GET /audit`: ops reads the audit trail of this service, by person, actor and time, a page
at a time. The query is itself recorded (who looked at whose trail)."""

from __future__ import annotations

from typing import Annotated, Self

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from peerlink_shared.auditing.audit import ENTRY_ID_PATTERN
from peerlink_shared.auditing.audit_log import MAX_PAGE, AuditLog, AuditPage, AuditQuery
from peerlink_shared.contracts.base import OPAQUE_ID_PATTERN
from peerlink_shared.security.auth import ALL_CENTRES, Role
from peerlink_shared.web.http import authorize
from peerlink_shared.web.http_errors import refusals
from peerlink_shared.web.inputs import IsoDateTime
from peerlink_shared.web.person_access import Audited, AuditedCaller

# Token subjects and event sources (`/clinic/north-ehr`): no spaces, quotes or operators.
ACTOR_PATTERN = r"^[A-Za-z0-9._:/@+-]{1,256}$"


class AuditFilter(BaseModel):
    """The query string of `GET /audit`; a parameter it does not know is refused."""

    model_config = ConfigDict(extra="forbid")

    person_id: str | None = Field(
        default=None, pattern=OPAQUE_ID_PATTERN, description="Entries naming this person."
    )
    actor: str | None = Field(
        default=None, pattern=ACTOR_PATTERN, description="Entries by this token subject or source."
    )
    since: IsoDateTime | None = Field(
        default=None, description="At or after this time (RFC 3339, with its offset)."
    )
    until: IsoDateTime | None = Field(
        default=None, description="Before this time (RFC 3339, with its offset); after `since`."
    )
    cursor: str | None = Field(
        default=None, pattern=ENTRY_ID_PATTERN, description="`next` of the previous page."
    )
    limit: int = Field(default=100, ge=1, le=MAX_PAGE, description="Entries per page.")

    @model_validator(mode="after")
    def a_range_runs_forwards(self) -> Self:
        if self.since is not None and self.until is not None and self.until <= self.since:
            # A custom type keeps its message: the shared 422 handler blanks `value_error`s.
            raise PydanticCustomError("empty_time_range", "until must be after since")
        return self

    def query(self) -> AuditQuery:
        return AuditQuery(**self.model_dump())


def audit_router(*, log: AuditLog) -> APIRouter:
    router = APIRouter(tags=["audit"])

    @router.get(
        "/audit",
        response_model=AuditPage,
        summary="The audit trail of this service, newest first (ops only)",
        responses=refusals(
            403,
            422,
            _403="The token is not an ops token.",
            _422="Invalid input, or `until` not after `since`.",
        ),
    )
    async def read_audit(
        caller: AuditedCaller, audited: Audited, filters: Annotated[AuditFilter, Query()]
    ) -> AuditPage:
        """Entries matching every filter given. Page with `cursor` = the last answer's `next`:
        each entry comes once, however many are added meanwhile (newer ones are not in the
        pages that follow; start again for those)."""
        if filters.person_id is not None:
            audited.names(filters.person_id)
        authorize(caller, centre_id=ALL_CENTRES, roles={Role.OPS})
        return await log.page(filters.query())

    return router
