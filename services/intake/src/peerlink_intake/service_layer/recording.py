"""Recording a person fact: one pipeline behind both doors (a centre's HTTP request, a
clinic system's event), so both run the same checks in the same order."""

from __future__ import annotations

from dataclasses import dataclass

from peerlink_shared.clock import Clock
from peerlink_shared.contracts import AdmissionRecorded, CentreFact, PersonFact
from peerlink_shared.messaging.publishing import Cause

from peerlink_intake.domain.checks import latest_local_date
from peerlink_intake.domain.clinics import sender_refusal
from peerlink_intake.domain.links import ConsentWithdrawal, Link, PersonLinks, Referral
from peerlink_intake.service_layer.errors import (
    FactIncoherent,
    LinkRefused,
    SenderNotAllowed,
    UnknownCentre,
    UnknownPerson,
)
from peerlink_intake.service_layer.fact_checks import fact_problems
from peerlink_intake.service_layer.fact_links import link_refusal, named_centre, new_link
from peerlink_intake.service_layer.fact_log import FactLog, Recorded
from peerlink_intake.service_layer.ports import Centres, ClinicGrantStore, Persons


@dataclass(frozen=True)
class RecordFact:
    """Record `fact` under `event_id`. `at_centre`: the centre it is recorded through (None
    when the door cannot name it); `sender`: the clinic system it came from (None over HTTP);
    `recorded_by`: the staff member or person who recorded it, when known."""

    fact: PersonFact
    event_id: str
    cause: Cause
    at_centre: str | None = None
    sender: str | None = None
    recorded_by: str | None = None


class FactRecording:
    def __init__(
        self,
        *,
        persons: Persons,
        centres: Centres,
        clinics: ClinicGrantStore,
        log: FactLog,
        clock: Clock,
    ) -> None:
        self._persons = persons
        self._centres = centres
        self._clinics = clinics
        self._log = log
        self._clock = clock

    async def record(self, command: RecordFact) -> Recorded:
        """Records the fact once; the same event id again records and publishes nothing, but
        makes the fact's link again (a crash between the two loses no link). Raises a
        `NotRecorded` saying why not, or `Erased`."""
        fact = command.fact
        if problems := fact_problems(fact, today=latest_local_date(self._clock.now())):
            raise FactIncoherent(problems)
        if not await self._persons.person_exists(fact.person_id):
            raise UnknownPerson(fact.person_id)
        if (named := named_centre(fact)) is not None and not await self._centres.centre_exists(
            named
        ):
            raise UnknownCentre(named)
        # The sender check and the link check both ask for the person's links: one read.
        links = LinksOnce(self._persons, fact.person_id)
        if command.sender is not None:
            await self._require_sender_may_act(command.sender, fact, links)
        recorded = await self._log.earlier(fact, event_id=command.event_id)
        if recorded is None:
            await self._require_link(fact, at_centre=command.at_centre, links=links)
            recorded = await self._log.append(fact, event_id=command.event_id, cause=command.cause)
        await self._link(fact, recorded_by=command.recorded_by)
        return recorded

    async def _require_link(
        self, fact: PersonFact, *, at_centre: str | None, links: LinksOnce
    ) -> None:
        if at_centre is None and named_centre(fact) is None:
            return  # nothing to hold the fact to: the person need only exist
        found = await links.read()
        if found is None:
            raise UnknownPerson(fact.person_id)
        if (refusal := link_refusal(fact, at_centre=at_centre, links=found)) is not None:
            raise LinkRefused(refusal)

    async def _link(self, fact: PersonFact, *, recorded_by: str | None) -> None:
        now = self._clock.now()
        match new_link(fact, recorded_by=recorded_by):
            case Link() as link:
                await self._persons.add_link(fact.person_id, link, at=now)
            case Referral() as referral:
                await self._persons.add_referral(fact.person_id, referral, at=now)
            case ConsentWithdrawal() as withdrawal:
                await self._persons.end_consent(fact.person_id, withdrawal, at=now)

    async def _require_sender_may_act(
        self, clinic: str, fact: PersonFact, links: LinksOnce
    ) -> None:
        """Checked against the grants current now, so a revocation holds from the next event."""
        grants = await self._clinics.current(clinic)
        if grants is None:
            raise SenderNotAllowed("the clinic is not registered with intake")
        admits = isinstance(fact, AdmissionRecorded)
        # An admission needs no more than its centre; every other fact, where the person is.
        person_centres = None if admits else centres_of(await links.read())
        refusal = sender_refusal(
            grants.centres,
            fact_centre=fact.centre_id if isinstance(fact, CentreFact) else None,
            admits=admits,
            person_centres=frozenset(person_centres or ()),
        )
        if refusal is not None:
            raise SenderNotAllowed(refusal)


class LinksOnce:
    """One person's links, read from the store at most once: for the checks of one fact."""

    def __init__(self, persons: Persons, person_id: str) -> None:
        self._persons = persons
        self._person_id = person_id
        self._read: tuple[PersonLinks | None] | None = None

    async def read(self) -> PersonLinks | None:
        """As `Persons.links_of`: None for an unknown person; raises Erased for an erased
        one (again on each call, as a second read would)."""
        if self._read is None:
            self._read = (await self._persons.links_of(self._person_id),)
        return self._read[0]


def centres_of(links: PersonLinks | None) -> set[str] | None:
    """As `Persons.centres_of`, from links already read."""
    return None if links is None else set(links.centres)
