"""The audit trail's entry: who read or changed which person's data, how, when, and with what
outcome. Never what the data says.

An entry is built only from ids, names of routes and event types, the caller's token claims
and an outcome code; it has no field a request body, a fact or an address could reach.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from peerlink_shared.contracts.base import OPAQUE_ID_PATTERN
from peerlink_shared.security.auth import Principal, Role

Channel = Literal["http", "event"]
Outcome = Literal["accepted", "refused", "failed"]
ANONYMOUS = "anonymous"
# Entry ids sort as their times do (to the microsecond), then by a random tail: newest first
# is `_id` descending, and the last id of a page is the cursor to the next.
ENTRY_ID_PATTERN = r"^[0-9]{8}T[0-9]{12}Z-[0-9a-f]{12}$"
_OPAQUE_ID = re.compile(OPAQUE_ID_PATTERN)


class Actor(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    subject: str = Field(
        description=(
            "The token's subject, the clinic whose Kafka login sent the event, or `anonymous`"
            " with no valid token."
        ),
        examples=["coordinator-7"],
    )
    role: Role | Literal["anonymous"]
    centre: str | None = Field(
        description="The token's centre (`*` for ops); none for anonymous callers and events."
    )

    @classmethod
    def of(cls, principal: Principal | None) -> Actor:
        if principal is None:
            return cls(subject=ANONYMOUS, role=ANONYMOUS, centre=None)
        return cls(subject=principal.subject, role=principal.role, centre=principal.centre)


class AuditEntry(BaseModel):
    """One access to one or more persons' data. Has no field for what the data says."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    entry_id: str = Field(pattern=ENTRY_ID_PATTERN, description="Time-ordered; the page cursor.")
    at: AwareDatetime = Field(description="When the request or event arrived (UTC).")
    service: str = Field(examples=["eligibility"])
    channel: Channel
    action: str = Field(
        description="HTTP method and route template, or the event type.",
        examples=["GET /centres/{centre_id}/persons/{person_id}/decision"],
    )
    person_ids: list[str] = Field(description="Every person the request or event concerned.")
    centre_id: str | None = Field(description="The centre in the route or the fact, if any.")
    actor: Actor
    status: int | None = Field(description="The HTTP status answered; none for events.")
    outcome: Outcome
    refusal: str | None = Field(
        default=None, description="For a refused event: the dead-letter reason code."
    )
    access_reason: str | None = Field(
        default=None, description="The reason stated in X-Access-Reason (break-glass)."
    )
    request_id: str = Field(description="X-Request-Id of the HTTP request, or the event id.")
    event_source: str | None = Field(
        default=None,
        description=(
            "For an event: the `source` its sender wrote. A claim, not an identity: the actor"
            " is the clinic the broker authenticated."
        ),
    )


def new_entry_id(at: datetime) -> str:
    return f"{at.astimezone(UTC):%Y%m%dT%H%M%S%f}Z-{secrets.token_hex(6)}"


def opaque_ids(values: Iterable[str]) -> list[str]:
    """The values that are opaque ids, each once, in order: a name or a long string sent where
    an id belongs is refused by the route, and never reaches the trail either."""
    found: list[str] = []
    for value in values:
        if _OPAQUE_ID.match(value) and value not in found:
            found.append(value)
    return found


def outcome_of(status: int) -> Outcome:
    if status < 400:
        return "accepted"
    return "refused" if status < 500 else "failed"


def http_entry(
    *,
    service: str,
    at: datetime,
    method: str,
    route: str,
    path_params: dict[str, str],
    named: Iterable[str],
    principal: Principal | None,
    status: int,
    access_reason: str | None,
    request_id: str,
) -> AuditEntry:
    """The entry for one HTTP request to a person-data route: persons from its path and from
    what the handler named (ids in a body or in the answer)."""
    centre = opaque_ids([path_params["centre_id"]]) if "centre_id" in path_params else []
    return AuditEntry(
        entry_id=new_entry_id(at),
        at=at,
        service=service,
        channel="http",
        action=f"{method} {route}",
        person_ids=opaque_ids([*_path_persons(path_params), *named]),
        centre_id=centre[0] if centre else None,
        actor=Actor.of(principal),
        status=status,
        outcome=outcome_of(status),
        access_reason=access_reason,
        request_id=request_id,
    )


def event_entry(
    *,
    service: str,
    at: datetime,
    event_type: str,
    event_id: str,
    source: str,
    sender: str,
    person_id: str,
    centre_id: str | None,
    refusal: str | None,
) -> AuditEntry:
    """The entry for an event from another system that would change a person's data: the
    actor is its sender, the clinic the broker authenticated (known from the topic only its
    login may write), never the `source` the event names, which the sender writes itself; the
    outcome accepted or the dead-letter reason code."""
    centre = opaque_ids([centre_id]) if centre_id is not None else []
    return AuditEntry(
        entry_id=new_entry_id(at),
        at=at,
        service=service,
        channel="event",
        action=event_type,
        person_ids=opaque_ids([person_id]),
        centre_id=centre[0] if centre else None,
        actor=Actor(subject=sender, role=Role.CLINIC_SYSTEM, centre=None),
        status=None,
        outcome="accepted" if refusal is None else "refused",
        refusal=refusal,
        request_id=event_id,
        event_source=source,
    )


def _path_persons(path_params: dict[str, str]) -> list[str]:
    return [value for name, value in path_params.items() if name == "person_id"]
