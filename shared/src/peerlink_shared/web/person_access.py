"""How a route says it reads or changes a person's data: it takes its caller as `PersonCaller`.

Such a route leaves an audit entry for every request (the `AuditTrail` middleware writes it),
and an ops token (or any token for every centre) must state why it is there — break-glass —
in `X-Access-Reason`, which the entry keeps. Ids the path does not carry (a resident in a
body, the supporters in an answer) the handler names with `Audited.names`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status

from peerlink_shared.contracts.base import PLAIN_TEXT_PATTERN
from peerlink_shared.security.auth import ALL_CENTRES, Principal, Role
from peerlink_shared.web.http import Caller

ACCESS_REASON_HEADER = "X-Access-Reason"
MAX_REASON_LENGTH = 200
# Where the middleware puts the request's note in the ASGI scope (an extension key).
SCOPE_KEY = "peerlink.audit"


@dataclass
class AccessNote:
    """What the route learnt for the request's audit entry, filled as it runs."""

    principal: Principal | None = None
    access_reason: str | None = None
    named: list[str] = field(default_factory=list)

    def names(self, *person_ids: str) -> None:
        """Persons this request concerns beyond the path: ids in its body or its answer."""
        self.named.extend(person_ids)


AccessReason = Annotated[
    str | None,
    Header(
        alias=ACCESS_REASON_HEADER,
        min_length=3,
        max_length=MAX_REASON_LENGTH,
        pattern=PLAIN_TEXT_PATTERN,
        description="Why an ops token reads or changes this person's data (break-glass); "
        "required for ops, kept in the audit trail. State a ticket or a purpose, no health "
        "details.",
        examples=["INC-2041: supporter reports a missing booking"],
    ),
]


def access_note(request: Request) -> AccessNote:
    note = request.scope.get(SCOPE_KEY)
    if not isinstance(note, AccessNote):
        # A person route served without the trail would leave no entry: refuse instead.
        raise RuntimeError("a person-data route needs the AuditTrail middleware")
    return note


def audited_caller(request: Request, caller: Caller) -> Principal:
    """The caller, noted for the audit entry (a separate step, so the entry names them even
    when a later check of the request refuses it)."""
    access_note(request).principal = caller
    return caller


AuditedCaller = Annotated[Principal, Depends(audited_caller)]


def person_caller(
    request: Request, caller: AuditedCaller, reason: AccessReason = None
) -> Principal:
    """The caller of a person-data route; a network-wide token must state a reason."""
    note = access_note(request)
    note.access_reason = reason
    if breaks_glass(caller) and reason is None:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"an ops token reaches a person's data only with a stated reason: send "
            f"{ACCESS_REASON_HEADER} (3-{MAX_REASON_LENGTH} characters, no health details); "
            "it is kept in the audit trail",
        )
    return caller


def breaks_glass(principal: Principal) -> bool:
    return principal.role is Role.OPS or principal.centre == ALL_CENTRES


PersonCaller = Annotated[Principal, Depends(person_caller)]
Audited = Annotated[AccessNote, Depends(access_note)]
