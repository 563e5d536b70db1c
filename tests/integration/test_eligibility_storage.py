"""Eligibility's storage against the real database: facts recorded once, decisions written
only over the revision their decider read, and a bulk job racing a person's own event.

The handlers are called directly (no Kafka): what is checked is what they store and what
they record in the outbox, in the order the relay would publish it.
"""

from __future__ import annotations

import json
import secrets
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from peerlink_eligibility.adapters.policies import PolicyRepository
from peerlink_eligibility.adapters.repository import EligibilityRepository
from peerlink_eligibility.domain.decision import Decision, Reason
from peerlink_eligibility.domain.policy import Policy
from peerlink_eligibility.service_layer.announcements import Announcements, Trigger
from peerlink_eligibility.service_layer.centre_reevaluation import CentreReevaluation
from peerlink_eligibility.service_layer.fact_recording import FactRecording
from peerlink_eligibility.service_layer.fact_types import record_of
from peerlink_eligibility.service_layer.ports import DecisionWrite, RecordedFact
from peerlink_eligibility.service_layer.reevaluation import Reevaluator
from peerlink_shared.clock import Clock, SystemClock
from peerlink_shared.contracts import (
    AdmissionRecorded,
    CravingCheckInRecorded,
    NetworkSharingChanged,
    Payload,
    ProgrammeEnded,
    RelapseRecorded,
    SobrietyMilestoneRecorded,
    TrainingCompleted,
    VolunteeringChanged,
)
from peerlink_shared.messaging.outbox import Outbox
from peerlink_shared.messaging.publishing import Publisher, source_of
from peerlink_shared.messaging.topics import Topics
from peerlink_shared.storage.mongo import Database, MongoClient
from pymongo import AsyncMongoClient, monitoring

from tests.integration.helpers import envelope_for
from tests.servers import Servers

TODAY = datetime.now(UTC).date()
NOW = datetime.now(UTC)


class Commands(monitoring.CommandListener):
    """Counts the commands a client sends (database round trips), by name and collection."""

    def __init__(self) -> None:
        self.sent: Counter[str] = Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        collection = event.command.get(event.command_name)
        self.sent[f"{event.command_name} {collection}"] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


class RacedRepository(EligibilityRepository):
    """Runs `meanwhile` once, just before the next decision write: another decider's work
    landing between this decider's reads and its write."""

    meanwhile: Callable[[], Awaitable[None]] | None = None

    async def save_decisions(self, writes: Sequence[DecisionWrite], *, at: datetime) -> set[str]:
        if (other := self.meanwhile) is not None:
            self.meanwhile = None
            await other()
        return await super().save_decisions(writes, at=at)


@dataclass
class Eligibility:
    db: Database
    repository: RacedRepository
    policies: PolicyRepository
    outbox: Outbox
    recording: FactRecording
    bulk: CentreReevaluation
    commands: Commands

    async def announced(self, person_id: str, centre_id: str) -> list[dict[str, Any]]:
        """EligibilityChanged data for one decision, in the order the relay publishes them."""
        entries = await self.db["outbox"].find({}).sort("seq", 1).to_list()
        data = [json.loads(entry["body"])["data"] for entry in entries]
        return [d for d in data if (d["person_id"], d["centre_id"]) == (person_id, centre_id)]

    async def stored(self, person_id: str, centre_id: str) -> Decision:
        found = await self.repository.decision(person_id, centre_id)
        assert found is not None
        return found

    async def change_policy(self, policy: Policy) -> None:
        await self.policies.add_version(policy, at=NOW)
        await self.policies.make_current(policy)

    async def reevaluate(self, policy: Policy) -> tuple[int, int]:
        async def quiet(done: int, total: int, changed: int) -> None:
            pass

        return await self.bulk.run(policy, trigger=Trigger("job-1", "job-1"), progress=quiet)


def announcements_on(outbox: Outbox, *, clock: Clock) -> Announcements:
    topic = Topics().eligibility_changes
    source = source_of("eligibility")
    publisher = Publisher(sink=outbox, source=source, topic=topic, clock=clock)
    return Announcements(publisher=publisher, clock=clock)


@pytest.fixture
async def eligibility(servers: Servers, run_id: str) -> AsyncIterator[Eligibility]:
    commands = Commands()
    client: MongoClient = AsyncMongoClient(
        servers.mongo_url, tz_aware=True, event_listeners=[commands]
    )
    db = client[f"{run_id}_eligibility_storage_{secrets.token_hex(3)}"]
    clock = SystemClock()
    repository, policies = RacedRepository(db), PolicyRepository(db)
    outbox = Outbox(db, clock=clock)
    for ensure in (repository.ensure_indexes, policies.ensure_indexes, outbox.ensure_indexes):
        await ensure()
    announcements = announcements_on(outbox, clock=clock)
    reevaluator = Reevaluator(
        repository=repository, policies=policies, announcements=announcements, clock=clock
    )
    yield Eligibility(
        db=db,
        repository=repository,
        policies=policies,
        outbox=outbox,
        recording=FactRecording(repository=repository, reevaluator=reevaluator),
        bulk=CentreReevaluation(
            repository=repository,
            announcements=announcements,
            reevaluator=reevaluator,
            clock=clock,
        ),
        commands=commands,
    )
    await client.drop_database(db.name)
    await client.close()


def qualifying(person_id: str, centre_id: str) -> list[tuple[Payload, str]]:
    """A graduate of `centre_id` who meets every default criterion and shares with the
    network, as facts and the handler each goes to."""
    return [
        (
            NetworkSharingChanged(person_id=person_id, sharing=True, changed_on=TODAY),
            "on_network_sharing",
        ),
        (
            ProgrammeEnded(
                person_id=person_id,
                centre_id=centre_id,
                ended_on=date(2024, 1, 1),
                outcome="completed",
            ),
            "on_programme_ended",
        ),
        (
            SobrietyMilestoneRecorded(
                person_id=person_id,
                sober_since=TODAY - timedelta(days=500),
                days=500,
                recorded_on=TODAY,
            ),
            "on_milestone",
        ),
        (CravingCheckInRecorded(person_id=person_id, level=1, checked_on=TODAY), "on_check_in"),
        (
            VolunteeringChanged(person_id=person_id, volunteering=True, changed_on=TODAY),
            "on_volunteering",
        ),
    ]


async def handle(service: Eligibility, payload: Payload, handler: str, event_id: str = "") -> None:
    envelope = envelope_for(payload, subject=payload.model_dump()["person_id"], event_id=event_id)
    await service.recording.record(record_of(payload), trigger=Trigger.of(envelope))


async def graduate(service: Eligibility, person_id: str, centre_id: str) -> None:
    for payload, handler in qualifying(person_id, centre_id):
        await handle(service, payload, handler)


async def test_a_redelivered_fact_changes_nothing(eligibility: Eligibility) -> None:
    person = "p-redelivered"
    facts = qualifying(person, "harbour")
    for payload, handler in facts:
        await handle(eligibility, payload, handler, event_id=f"evt-{handler}")
    assert (await eligibility.stored(person, "harbour")).eligible
    entries = await eligibility.db["outbox"].count_documents({})

    for payload, handler in facts:
        await handle(eligibility, payload, handler, event_id=f"evt-{handler}")

    snapshot = await eligibility.repository.facts_of(person)
    assert snapshot.version == len(facts)
    stored = await eligibility.db["person_facts"].find_one({"_id": person})
    assert stored is not None and len(stored["facts"]) == len(facts)
    assert await eligibility.db["outbox"].count_documents({}) == entries
    assert (await eligibility.stored(person, "harbour")).eligible


async def test_a_redelivered_fact_is_found_by_its_duplicate_key(eligibility: Eligibility) -> None:
    repository = eligibility.repository
    first = await repository.add_fact(
        event_id="evt-1", fact=RecordedFact("p-dup", "relapse", {"relapsed_on": "2025-01-01"})
    )
    again = await repository.add_fact(
        event_id="evt-1", fact=RecordedFact("p-dup", "relapse", {"relapsed_on": "2025-01-01"})
    )
    assert first is not None and again is not None
    assert (first.version, again.version) == (1, 1)
    assert first.facts == again.facts


def decision(person_id: str, *, eligible: bool, policy_version: int) -> Decision:
    return Decision(
        person_id=person_id,
        centre_id="harbour",
        eligible=eligible,
        reasons=() if eligible else (Reason.SOBER_TOO_SHORT,),
        eligible_from=None,
        review_on=None,
        policy_version=policy_version,
    )


async def test_an_older_decision_never_overwrites_a_newer_one(eligibility: Eligibility) -> None:
    repository, person = eligibility.repository, "p-older"
    first = decision(person, eligible=False, policy_version=1)
    assert not await repository.save_decisions([DecisionWrite(first, 3, None)], at=NOW)
    read = (await repository.decisions_of(person))["harbour"]

    newer = decision(person, eligible=True, policy_version=2)
    assert not await repository.save_decisions([DecisionWrite(newer, 4, read)], at=NOW)
    # A decider that read the first decision, from older facts or an older policy, loses.
    older = decision(person, eligible=False, policy_version=1)
    assert await repository.save_decisions([DecisionWrite(older, 3, read)], at=NOW) == {person}
    # So does one that saw no decision at all.
    assert await repository.save_decisions([DecisionWrite(older, 2, None)], at=NOW) == {person}

    stored = (await repository.decisions_of(person))["harbour"]
    assert (stored.decision, stored.revision) == (newer, 2)


async def test_a_bulk_write_that_loses_to_a_relapse_is_corrected(
    eligibility: Eligibility,
) -> None:
    person = "p-raced-relapse"
    await graduate(eligibility, person, "south")
    north = Policy(centre_id="north", version=1, accept_network_graduates=True)
    await eligibility.change_policy(north)

    async def relapse() -> None:
        fact = RelapseRecorded(person_id=person, relapsed_on=TODAY - timedelta(days=1))
        await handle(eligibility, fact, "on_relapse")

    # The job reads the facts of a sober graduate; the relapse lands before its write.
    eligibility.repository.meanwhile = relapse
    assert await eligibility.reevaluate(north) == (1, 1)

    assert not (await eligibility.stored(person, "north")).eligible
    told = [event["eligible"] for event in await eligibility.announced(person, "north")]
    assert told == [True, False], "the job's stale announcement must be followed by the truth"
    told = [event["eligible"] for event in await eligibility.announced(person, "south")]
    assert told[-2:] == [True, False]


async def test_an_event_that_changes_nothing_still_beats_a_stale_bulk_write(
    eligibility: Eligibility,
) -> None:
    person = "p-raced-training"
    await graduate(eligibility, person, "north")
    earlier = len(await eligibility.announced(person, "north"))
    stricter = Policy(centre_id="north", version=1, require_training=True)
    await eligibility.change_policy(stricter)

    async def training() -> None:
        fact = TrainingCompleted(
            person_id=person, completed_on=TODAY, expires_on=TODAY + timedelta(days=365)
        )
        await handle(eligibility, fact, "on_training")

    # The job decides from facts without the training: not eligible. The person's own event
    # adds it and, under the same policy, finds them as eligible as stored: nothing to
    # announce. The job's write must not stand.
    eligibility.repository.meanwhile = training
    assert await eligibility.reevaluate(stricter) == (1, 1)

    assert (await eligibility.stored(person, "north")).eligible
    told = [event["eligible"] for event in await eligibility.announced(person, "north")]
    assert told[earlier - 1 :] == [True, False, True]


async def test_a_policy_change_before_any_fact_re_decides_nobody(
    eligibility: Eligibility,
) -> None:
    opened = Policy(centre_id="north", version=1, accept_network_graduates=True)
    assert await eligibility.reevaluate(opened) == (0, 0)


async def test_many_announcements_are_recorded_as_the_outbox_records_one(
    eligibility: Eligibility,
) -> None:
    announcements = announcements_on(eligibility.outbox, clock=SystemClock())
    one = [decision("p-one", eligible=True, policy_version=1)]
    many = [decision(f"p-many-{n}", eligible=True, policy_version=1) for n in range(3)]
    await announcements.record(one, Trigger("c-1", "c-1"))
    await announcements.record(many, Trigger("c-1", "c-1"))
    await announcements.record(many, Trigger("c-1", "c-1"))  # again: changes nothing stored

    entries = await eligibility.db["outbox"].find({}).sort("seq", 1).to_list()
    assert len(entries) == 4
    shapes = {tuple(sorted((key, type(value)) for key, value in e.items())) for e in entries}
    assert len(shapes) == 1, shapes
    handed_over = list(eligibility.outbox.fresh)
    assert len({(type(entry), type(outgoing)) for entry, outgoing in handed_over}) == 1
    assert [entry.event_id for entry, _ in handed_over][:4] == [e["_id"] for e in entries]


async def test_a_person_event_costs_at_most_six_round_trips(eligibility: Eligibility) -> None:
    person = "p-counted"
    facts = qualifying(person, "harbour")
    for payload, handler in facts[:-1]:
        await handle(eligibility, payload, handler)
    sent = eligibility.commands.sent

    sent.clear()
    await handle(eligibility, *facts[-1])  # becomes eligible
    assert sent == {
        "findAndModify person_facts": 1,  # the fact, once, read back with every other
        "find decisions": 1,  # the person's decisions, from the person_id index
        "find policies": 2,  # their centre's policy, centres open to the network
        "insert outbox": 1,  # the announcement, before...
        "update decisions": 1,  # ...the decision, over the revision read
    }, sent

    sent.clear()
    admission = AdmissionRecorded(person_id=person, centre_id="harbour", admitted_on=TODAY)
    await handle(eligibility, admission, "on_admission")  # changes nothing
    assert sum(sent.values()) == 5, sent
