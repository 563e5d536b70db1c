"""The subject access report: what PeerLink holds about a person and why, from every
service. Intake reads its own stores; the others are asked over HTTP with the caller's token,
side by side, each within a bounded time. A service that cannot answer is named in the report
with the reason, and the report says it is incomplete."""

from __future__ import annotations

import asyncio
from typing import Literal

from peerlink_shared.auth import Principal
from peerlink_shared.clock import Clock
from peerlink_shared.held_routes import Holdings
from peerlink_shared.subject_access import Held, StoreHeld
from pydantic import AwareDatetime, BaseModel, Field

from peerlink_intake.service_layer.ports import KnownPersons, Peers, Relay, Unavailable

SERVICE = "intake"


class ServiceSection(BaseModel):
    service: str = Field(examples=["eligibility"])
    status: Literal["complete", "unavailable"]
    reason: str | None = Field(
        description="Why the service could not answer, when unavailable.",
        examples=["did not answer within 5 s"],
    )
    stores: list[StoreHeld] = Field(description="Empty when the service was unavailable.")


class SubjectAccessReport(BaseModel):
    person_id: str
    generated_at: AwareDatetime
    complete: bool = Field(
        description="False when a service could not answer: what it holds is then missing."
    )
    services: list[ServiceSection]


class UnknownPerson(Exception):
    pass


class SubjectAccess:
    def __init__(
        self,
        *,
        persons: KnownPersons,
        holdings: Holdings,
        peers: Peers,
        clock: Clock,
    ) -> None:
        self._persons = persons
        self._holdings = holdings
        self._peers = peers
        self._clock = clock

    async def report(
        self, person_id: str, *, caller: Principal, relay: Relay
    ) -> SubjectAccessReport:
        """Raises UnknownPerson when intake never registered the person."""
        if not await self._persons.person_exists(person_id):
            raise UnknownPerson(person_id)
        own = await self._holdings.held(person_id, caller=caller)
        services = self._peers.services
        asked = await asyncio.gather(
            *(self._peers.ask(service, person_id, relay=relay) for service in services)
        )
        sections = [
            ServiceSection(service=SERVICE, status="complete", reason=None, stores=own),
            *(_section(*answer) for answer in zip(services, asked, strict=True)),
        ]
        return SubjectAccessReport(
            person_id=person_id,
            generated_at=self._clock.now(),
            complete=all(section.status == "complete" for section in sections),
            services=sections,
        )


def _section(service: str, answer: Held | Unavailable) -> ServiceSection:
    if isinstance(answer, Unavailable):
        return ServiceSection(
            service=service, status="unavailable", reason=answer.reason, stores=[]
        )
    return ServiceSection(service=service, status="complete", reason=None, stores=answer.stores)
