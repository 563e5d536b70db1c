"""In-memory stand-ins for intake's ports (`peerlink_intake.service_layer.ports`), keeping the
contracts of the MongoDB adapters they replace: a person once registered stays known, an
erased one's reads raise `Erased`, the first link to a centre is the one kept, a fact is
stored once under its event id, a grant version is claimed by one writer."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from datetime import datetime

from peerlink_intake.domain.clinics import ChangedBy, ClinicGrants
from peerlink_intake.domain.erasure import Confirmation, Erased, ErasureRequest, Service
from peerlink_intake.domain.links import (
    ConsentWithdrawal,
    Link,
    PersonLinks,
    Referral,
    standing_links,
)
from peerlink_intake.service_layer.clinic_facts import ClinicFacts
from peerlink_intake.service_layer.clinic_grants import ClinicGrantChanges
from peerlink_intake.service_layer.fact_log import FactLog
from peerlink_intake.service_layer.ports import FactRecord
from peerlink_intake.service_layer.recording import FactRecording
from peerlink_intake.service_layer.registration import Registration
from peerlink_shared.auditing.audit import AuditEntry
from peerlink_shared.contracts import CentreRegistered
from peerlink_shared.messaging.publishing import Publisher, source_of
from peerlink_shared.messaging.topics import Topics

from tests.fakes.clock import MovableClock
from tests.fakes.outbox import RecordingOutbox


@dataclass
class StoredPerson:
    links: PersonLinks
    erased_at: datetime | None = None
    links_at: dict[str, datetime] = field(default_factory=dict)


class IntakeStore:
    """Centres, persons and facts: satisfies `Centres`, `Persons`, `Facts` and `Tombstones`."""

    def __init__(self) -> None:
        self.centres: dict[str, CentreRegistered] = {}
        self.persons: dict[str, StoredPerson] = {}
        self.facts: dict[str, FactRecord] = {}

    # Centres
    async def save_centre(self, centre: CentreRegistered) -> None:
        self.centres[centre.centre_id] = centre

    async def centre(self, centre_id: str) -> CentreRegistered | None:
        return self.centres.get(centre_id)

    async def centre_exists(self, centre_id: str) -> bool:
        return centre_id in self.centres

    # Persons
    async def person_exists(self, person_id: str) -> bool:
        return person_id in self.persons

    async def add_person(self, *, person_id: str, home: Link, at: datetime) -> bool:
        if person_id in self.persons:
            return False
        self.persons[person_id] = StoredPerson(
            PersonLinks(person_id, (home,)), links_at={home.centre_id: at}
        )
        return True

    async def centres_of(self, person_id: str) -> set[str] | None:
        links = await self.links_of(person_id)
        return None if links is None else set(links.centres)

    async def links_of(self, person_id: str) -> PersonLinks | None:
        person = self.persons.get(person_id)
        if person is None:
            return None
        if person.erased_at is not None:
            raise Erased(person_id)
        return person.links

    async def add_link(self, person_id: str, link: Link, *, at: datetime) -> None:
        person = self.persons.get(person_id)
        if person is None or link.centre_id in person.links.centres:
            return
        # As the adapter derives them: a consent dated on or before a withdrawal stays ended.
        person.links = standing_links(
            person_id,
            (*person.links.links, link),
            person.links.referrals,
            person.links.withdrawals,
        )
        person.links_at[link.centre_id] = at

    async def add_referral(self, person_id: str, referral: Referral, *, at: datetime) -> None:
        person = self.persons.get(person_id)
        if person is None:
            return
        others = tuple(
            r
            for r in person.links.referrals
            if (r.referred_by, r.centre_id) != (referral.referred_by, referral.centre_id)
        )
        person.links = replace(person.links, referrals=(*others, referral))

    async def end_consent(
        self, person_id: str, withdrawal: ConsentWithdrawal, *, at: datetime
    ) -> None:
        person = self.persons.get(person_id)
        if person is not None:
            person.links = person.links.withdrawn(withdrawal)

    async def referrals_to(self, centre_id: str, *, limit: int) -> list[tuple[str, Referral]]:
        found = [
            (person_id, referral)
            for person_id, person in self.persons.items()
            if person.erased_at is None
            for referral in person.links.pending()
            if referral.centre_id == centre_id
        ]
        return found[:limit]

    async def mark_erased(self, person_id: str, *, at: datetime, request_id: str) -> int:
        person = self.persons.get(person_id)
        if person is None or person.erased_at is not None:
            return 0
        person.erased_at = at
        person.links = PersonLinks(person_id, ())
        return 1

    # Facts
    async def record_fact(self, fact: FactRecord) -> None:
        self.facts.setdefault(fact.event_id, fact)

    async def recorded_fact(self, event_id: str) -> tuple[str, dict[str, object]] | None:
        found = self.facts.get(event_id)
        return None if found is None else (found.event_type, found.data)

    # What a test sets up or reads
    def centre_named(self, centre_id: str) -> None:
        self.centres[centre_id] = CentreRegistered(
            centre_id=centre_id,
            display_name=centre_id.title(),
            region="north",
            timezone="Europe/London",
        )

    def links(self, person_id: str) -> PersonLinks:
        return self.persons[person_id].links


class ClinicGrantStore:
    """Satisfies `ClinicGrantStore`. `lose_next`: versions a concurrent writer claims first
    (stored, not made current), so the next `add_version` of each is refused."""

    def __init__(self) -> None:
        self.versions: dict[tuple[str, int], ClinicGrants] = {}
        self.currents: dict[str, ClinicGrants] = {}
        self.lose_next: list[ClinicGrants] = []

    async def current(self, clinic: str) -> ClinicGrants | None:
        return self.currents.get(clinic)

    async def add_version(self, grants: ClinicGrants) -> bool:
        if self.lose_next:
            winner = self.lose_next.pop(0)
            self.versions.setdefault((winner.clinic, winner.version), winner)
        key = (grants.clinic, grants.version)
        if key in self.versions:
            return False
        self.versions[key] = grants
        return True

    async def version(self, clinic: str, version: int) -> ClinicGrants | None:
        return self.versions.get((clinic, version))

    async def make_current(self, grants: ClinicGrants) -> None:
        current = self.currents.get(grants.clinic)
        if current is None or current.version < grants.version:
            self.currents[grants.clinic] = grants

    async def history(self, clinic: str) -> list[ClinicGrants]:
        return sorted(
            (g for (c, _), g in self.versions.items() if c == clinic), key=lambda g: g.version
        )


class RecordingShredder:
    """Satisfies `KeyShredder`, keeping whose key was destroyed, in order."""

    def __init__(self) -> None:
        self.destroyed: list[str] = []

    async def destroy(self, person_id: str) -> bool:
        self.destroyed.append(person_id)
        return True


class ErasureRequestStore:
    """Satisfies `RequestStore`; an answer lets another request run before it returns."""

    def __init__(self) -> None:
        self.by_id: dict[str, ErasureRequest] = {}

    async def latest_for(self, person_id: str) -> ErasureRequest | None:
        mine = [r for r in self.by_id.values() if r.person_id == person_id]
        await asyncio.sleep(0)  # the answer travels back: another request may run meanwhile
        return max(mine, key=lambda r: r.requested_at) if mine else None

    async def add(self, request: ErasureRequest) -> bool:
        if request.request_id in self.by_id:
            return False
        self.by_id[request.request_id] = request
        return True

    async def get(self, request_id: str) -> ErasureRequest | None:
        return self.by_id.get(request_id)

    async def confirm(
        self, request_id: str, service: Service, *, at: datetime, deleted: dict[str, int]
    ) -> None:
        request = self.by_id[request_id]
        self.by_id[request_id] = request.confirmed(service, Confirmation(at, deleted))


class Tombstones:
    """Satisfies `Tombstones`, keeping which request erased whom."""

    def __init__(self) -> None:
        self.erased: dict[str, str] = {}

    async def mark_erased(self, person_id: str, *, at: datetime, request_id: str) -> int:
        first = person_id not in self.erased
        self.erased.setdefault(person_id, request_id)
        return int(first)


class RecordingAudit:
    """Satisfies `peerlink_shared.auditing.audit_log.AuditRecorder`."""

    def __init__(self) -> None:
        self.entries: list[AuditEntry] = []

    async def record(self, entry: AuditEntry) -> None:
        self.entries.append(entry)


OPS = ChangedBy(subject="ops-1", role="ops", centre="*")


class FakeIntake:
    """Intake's use cases wired over the fakes, as bootstrap wires them over the adapters."""

    def __init__(self, clock: MovableClock) -> None:
        self.clock = clock
        self.topics = Topics(prefix="t-")
        self.store = IntakeStore()
        self.grants = ClinicGrantStore()
        self.outbox = RecordingOutbox()
        self.audit = RecordingAudit()
        log = FactLog(
            facts=self.store,
            person_events=self.publisher(self.topics.person_events),
            clock=clock,
        )
        self.registration = Registration(
            centres=self.store,
            persons=self.store,
            log=log,
            centre_events=self.publisher(self.topics.centre_events),
            clock=clock,
        )
        self.recording = FactRecording(
            persons=self.store, centres=self.store, clinics=self.grants, log=log, clock=clock
        )
        self.clinic_facts = ClinicFacts(recording=self.recording, clock=clock, audit=self.audit)
        self.grant_changes = ClinicGrantChanges(clinics=self.grants, clock=clock)

    def publisher(self, topic: str) -> Publisher:
        return Publisher(
            sink=self.outbox, source=source_of("intake"), topic=topic, clock=self.clock
        )

    def person_at(self, person_id: str, *centres: str) -> None:
        """A person registered at the first centre and linked to the others."""
        links = tuple(
            Link(centre, "home" if centre == centres[0] else "consent", self.clock.today())
            for centre in centres
        )
        for centre in centres:
            self.store.centre_named(centre)
        self.store.persons[person_id] = StoredPerson(PersonLinks(person_id, links))
