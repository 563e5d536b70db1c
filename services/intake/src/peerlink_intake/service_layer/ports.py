"""What intake's use cases need of the world, as Protocols: the adapters implement them over
MongoDB, Kafka and HTTP; tests/fakes/intake.py over dicts and lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from peerlink_shared.contracts import CentreRegistered
from peerlink_shared.lifecycle.subject_access import Held
from peerlink_shared.web.person_access import ACCESS_REASON_HEADER

from peerlink_intake.domain.clinics import ClinicGrants
from peerlink_intake.domain.erasure import ErasureRequest, Service
from peerlink_intake.domain.links import ConsentWithdrawal, Link, PersonLinks, Referral


class Centres(Protocol):
    async def save_centre(self, centre: CentreRegistered) -> None: ...

    async def centre(self, centre_id: str) -> CentreRegistered | None: ...

    async def centre_exists(self, centre_id: str) -> bool: ...


class KnownPersons(Protocol):
    async def person_exists(self, person_id: str) -> bool:
        """True for every person ever registered, an erased one too (their tombstone stays)."""
        ...


class Persons(KnownPersons, Protocol):
    """Persons by id, with their links; an erased person's reads raise `Erased`."""

    async def add_person(self, *, person_id: str, home: Link, at: datetime) -> bool:
        """False when the id is taken (ids are random; a clash is retried by the caller)."""
        ...

    async def centres_of(self, person_id: str) -> set[str] | None:
        """Centres linked to the person; None for an unknown person; Erased for an erased
        one."""
        ...

    async def links_of(self, person_id: str) -> PersonLinks | None:
        """The person's links and referrals; None for an unknown person; Erased for an
        erased one."""
        ...

    async def add_link(self, person_id: str, link: Link, *, at: datetime) -> None:
        """Links a centre once per basis and day; a consent dated on or before a withdrawal
        of consent to that centre stays ended."""
        ...

    async def add_referral(self, person_id: str, referral: Referral, *, at: datetime) -> None:
        """A pending referral; referring again to the same centre replaces it."""
        ...

    async def end_consent(
        self, person_id: str, withdrawal: ConsentWithdrawal, *, at: datetime
    ) -> None:
        """Ends the consents to the withdrawal's centre dated on or before it."""
        ...

    async def referrals_to(self, centre_id: str, *, limit: int) -> list[tuple[str, Referral]]:
        """Pending referrals to a centre, as (person id, referral), at most `limit`."""
        ...


@dataclass(frozen=True)
class FactRecord:
    """A fact as intake keeps it: under its event id, with its contract's type and data."""

    event_id: str
    person_id: str
    event_type: str
    data: dict[str, object]
    at: datetime


class Facts(Protocol):
    """Every fact recorded, under its event id (the first one stored under an id stays)."""

    async def record_fact(self, fact: FactRecord) -> None: ...

    async def recorded_fact(self, event_id: str) -> tuple[str, dict[str, object]] | None:
        """The type and data recorded under an event id, if any."""
        ...


class ClinicGrantStore(Protocol):
    """Clinic grants, versioned: a version number is claimed by one writer."""

    async def current(self, clinic: str) -> ClinicGrants | None: ...

    async def add_version(self, grants: ClinicGrants) -> bool:
        """False when that version number was taken by a concurrent change."""
        ...

    async def version(self, clinic: str, version: int) -> ClinicGrants | None: ...

    async def make_current(self, grants: ClinicGrants) -> None: ...

    async def history(self, clinic: str) -> list[ClinicGrants]: ...


class KeyShredder(Protocol):
    """Destroys a person's data key, so every encrypted copy of their facts (on every topic,
    dead-letter topic and replica) is unreadable for good. True if a key was destroyed."""

    async def destroy(self, person_id: str) -> bool: ...


class RequestStore(Protocol):
    async def latest_for(self, person_id: str) -> ErasureRequest | None:
        """The person's most recent request (a person has one in practice: a second request
        returns the first)."""
        ...

    async def add(self, request: ErasureRequest) -> bool:
        """False if a request with this id exists."""
        ...

    async def get(self, request_id: str) -> ErasureRequest | None: ...

    async def confirm(
        self, request_id: str, service: Service, *, at: datetime, deleted: dict[str, int]
    ) -> None:
        """Records a service's first confirmation."""
        ...


class Tombstones(Protocol):
    async def mark_erased(self, person_id: str, *, at: datetime, request_id: str) -> int:
        """Makes the person a tombstone: their id, when and by which request, nothing else
        (no links, referrals or who recorded them). 1 if they held data until now."""
        ...


@dataclass(frozen=True)
class Relay:
    """What is passed on from the caller's request: their token, their stated reason (ops),
    and the request id, so the four audit entries can be read together."""

    authorization: str
    access_reason: str | None
    request_id: str | None

    def headers(self) -> dict[str, str]:
        found = {"Authorization": self.authorization, "Accept": "application/json"}
        if self.access_reason is not None:
            found[ACCESS_REASON_HEADER] = self.access_reason
        if self.request_id is not None:
            found["X-Request-Id"] = self.request_id
        return found


@dataclass(frozen=True)
class Unavailable:
    reason: str


class Peers(Protocol):
    """The other services, asked what they hold (`PeerHoldings` over HTTP)."""

    @property
    def services(self) -> list[str]: ...

    async def ask(self, service: str, person_id: str, *, relay: Relay) -> Held | Unavailable: ...
