"""Erasure of one person (GDPR Art. 17): intake publishes the request, every service deletes
what it holds about the person and confirms. Both keyed by person id.

They carry ids, counts and the stated reason only: never a fact about the person.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from peerlink_shared.contracts.base import PLAIN_TEXT_PATTERN, Payload
from peerlink_shared.contracts.fields import Moment, OpaqueId

ErasingService = Literal["intake", "eligibility", "scheduling", "notifications"]
ERASING_SERVICES: tuple[ErasingService, ...] = (
    "intake",
    "eligibility",
    "scheduling",
    "notifications",
)
StatedReason = Annotated[str, Field(min_length=3, max_length=200, pattern=PLAIN_TEXT_PATTERN)]
# A token's subject: a staff id or a pseudonymous person id, never a name by convention.
Subject = Annotated[str, Field(min_length=1, max_length=256, pattern=PLAIN_TEXT_PATTERN)]
StoreName = Annotated[str, Field(pattern=r"^[a-z_]{1,40}$")]
Count = Annotated[int, Field(ge=0, le=10_000_000)]


class PersonErasureRequested(Payload):
    """Someone entitled to asked that PeerLink forget the person: every service deletes
    everything it holds about them, then publishes `PersonErased`."""

    TYPE: ClassVar[str] = "peerlink.person.erasure-requested"

    person_id: OpaqueId = Field(examples=["p-7f3a9c"])
    request_id: OpaqueId = Field(description="Names this request in the confirmations.")
    requested_by_role: Literal["coordinator", "ops"]
    requested_by_centre: str = Field(
        pattern=r"^(\*|[A-Za-z0-9_-]{1,64})$",
        description="The requester's centre, or `*` for network-wide ops.",
        examples=["north-house"],
    )
    requested_by_subject: Subject = Field(examples=["coordinator-17"])
    reason: StatedReason = Field(
        description="Why, as stated by the requester (a ticket or a purpose, no health details).",
        examples=["GDPR Art. 17 request, ticket DPO-311"],
    )
    requested_at: Moment


class PersonErased(Payload):
    """One service deleted everything it held about the person for this request."""

    TYPE: ClassVar[str] = "peerlink.person.erased"

    person_id: OpaqueId = Field(examples=["p-7f3a9c"])
    request_id: OpaqueId
    service: ErasingService
    deleted: dict[StoreName, Count] = Field(
        max_length=40,
        description="Documents deleted (or emptied) per store; 0 where nothing was held.",
        examples=[{"person_facts": 1, "decisions": 2}],
    )
    erased_at: Moment
