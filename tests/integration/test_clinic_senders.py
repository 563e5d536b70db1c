"""A clinic speaks only for the centres it serves, and duplicates are per sender: against
the real Kafka and FerretDB, with intake in process reading every clinic's topic.

Clinics: `bay-ehr` and `tide-ehr` serve Bay; `cove-ehr` serves Cove; `ghost-ehr` has a topic
but was never registered with intake.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from peerlink_devtools.kafka_watch import group_lag, read_all
from peerlink_intake.bootstrap import bootstrap
from peerlink_intake.settings import IntakeSettings
from peerlink_ops.topics_admin import provision_clinic
from peerlink_shared.contracts import (
    AdmissionRecorded,
    CravingCheckInRecorded,
    PersonRegistered,
    ProgrammeEnded,
)
from peerlink_shared.messaging.envelope import Envelope
from peerlink_shared.messaging.topics import Topics, dead_letter_topic
from peerlink_shared.security.auth import Role

from tests.integration.helpers import (
    as_event,
    envelope_for,
    eventually,
    headers,
    in_process,
    publish,
    register_centres,
)
from tests.servers import Servers

BAY, COVE = "bay", "cove"
BAY_EHR, TIDE_EHR, COVE_EHR, GHOST_EHR = "bay-ehr", "tide-ehr", "cove-ehr", "ghost-ehr"
TODAY = datetime.now(UTC).date()
OPS = headers(Role.OPS, "*")
CHECK_IN = CravingCheckInRecorded.event_type()


@dataclass(frozen=True)
class Intake:
    client: httpx.AsyncClient
    servers: Servers
    topics: Topics
    group: str

    async def person(self, centre: str = BAY) -> str:
        response = await self.client.post(
            f"/centres/{centre}/persons", headers=headers(Role.COORDINATOR, centre)
        )
        assert response.status_code == 201, response.text
        person_id: str = response.json()["person_id"]
        return person_id

    async def send(self, clinic: str, *envelopes: Envelope) -> None:
        await publish(self.servers.kafka, self.topics.clinic_inbound(clinic), *envelopes)

    async def caught_up(self, *clinics: str) -> None:
        """Until intake has committed everything on these clinics' topics."""
        names = [self.topics.clinic_inbound(clinic) for clinic in clinics]

        async def no_lag() -> bool:
            return await group_lag(self.servers.kafka, self.group, names) == 0

        await eventually(no_lag, timeout=45)

    async def published(self, person_id: str) -> list[dict[str, Any]]:
        """The facts intake published about the person, in order (not their registration)."""
        records = await read_all(self.servers.kafka, [self.topics.person_events], idle_seconds=0.5)
        events = [as_event(r.value) for r in records if r.key == person_id.encode()]
        registered = PersonRegistered.event_type()
        return [event for event in events if event and event["type"] != registered]

    async def published_at_least(self, person_id: str, count: int) -> list[dict[str, Any]]:
        async def enough() -> list[dict[str, Any]] | None:
            found = await self.published(person_id)
            return found if len(found) >= count else None

        return await eventually(enough, timeout=45)

    async def refused(self, clinic: str, event_id: str) -> dict[str, str]:
        """The dead-letter headers of the clinic's event with this id, once it is there."""
        topic = dead_letter_topic(self.topics.clinic_inbound(clinic))

        async def found() -> dict[str, str] | None:
            for record in await read_all(self.servers.kafka, [topic], idle_seconds=0.5):
                event = as_event(record.value)
                if event is not None and event["id"] == event_id:
                    return record.headers
            return None

        return await eventually(found, timeout=45)


@pytest.fixture(scope="module")
async def intake(servers: Servers, topics: Topics, run_id: str) -> AsyncIterator[Intake]:
    for clinic in (BAY_EHR, TIDE_EHR, COVE_EHR, GHOST_EHR):
        await provision_clinic(servers.kafka, topics, clinic)
    async with in_process(
        bootstrap, IntakeSettings, servers=servers, topics=topics, run_id=run_id, name="senders"
    ) as client:
        await register_centres(client, BAY, COVE, caller=OPS, region="r")
        for clinic, centres in ((BAY_EHR, [BAY]), (TIDE_EHR, [BAY]), (COVE_EHR, [COVE])):
            response = await client.put(
                f"/clinics/{clinic}", json={"centres": centres}, headers=OPS
            )
            assert response.status_code == 200, response.text
        yield Intake(client, servers, topics, f"{run_id}-senders")


def check_in(person_id: str, *, source: str = "/ehr", event_id: str | None = None) -> Envelope:
    fact = CravingCheckInRecorded(person_id=person_id, level=2, checked_on=TODAY)
    return envelope_for(fact, subject=person_id, source=source, event_id=event_id)


async def test_a_clinic_cannot_speak_for_a_centre_it_does_not_serve(intake: Intake) -> None:
    person_id = await intake.person(BAY)
    refused = {
        "about a person at Bay": (COVE_EHR, check_in(person_id)),
        "admitting to Bay": (
            COVE_EHR,
            envelope_for(
                AdmissionRecorded(person_id=person_id, centre_id=BAY, admitted_on=TODAY),
                subject=person_id,
            ),
        ),
        "a stay at Cove the person never had": (
            COVE_EHR,
            envelope_for(
                ProgrammeEnded(
                    person_id=person_id, centre_id=COVE, ended_on=TODAY, outcome="completed"
                ),
                subject=person_id,
            ),
        ),
        "from a clinic never registered": (GHOST_EHR, check_in(person_id)),
    }
    for clinic, envelope in refused.values():
        await intake.send(clinic, envelope)
    allowed = check_in(person_id)
    await intake.send(BAY_EHR, allowed)

    reasons = {
        case: await intake.refused(clinic, envelope.id)
        for case, (clinic, envelope) in refused.items()
    }
    assert {case: found["x-dlq-reason-code"] for case, found in reasons.items()} == dict.fromkeys(
        refused, "sender_not_allowed"
    )
    assert {case: found["x-dlq-reason"] for case, found in reasons.items()} == {
        "about a person at Bay": "the person is at no centre this clinic may act for",
        "admitting to Bay": "data.centre_id is not a centre this clinic may act for",
        "a stay at Cove the person never had": (
            "the person is not registered or admitted at data.centre_id"
        ),
        "from a clinic never registered": "the clinic is not registered with intake",
    }
    await intake.caught_up(COVE_EHR, GHOST_EHR, BAY_EHR)
    (event,) = await intake.published(person_id)  # the Bay clinic's, and nothing else
    assert (event["type"], event["correlationid"]) == (CHECK_IN, allowed.correlationid)


@pytest.mark.parametrize("order", ["first then second", "second then first", "in one batch"])
@pytest.mark.parametrize(
    ("first", "second"),
    [
        ((BAY_EHR, "/ehr"), (TIDE_EHR, "/ehr")),  # two clinics that chose the same source
        ((BAY_EHR, "/ehr/ward-1"), (BAY_EHR, "/ehr/ward-2")),  # one clinic, two sources
    ],
    ids=["two-clinics", "two-sources"],
)
async def test_the_same_id_from_two_senders_is_two_facts(
    intake: Intake, first: tuple[str, str], second: tuple[str, str], order: str
) -> None:
    person_id = await intake.person(BAY)
    event_id = f"shared-{person_id}"
    sends = [
        (clinic, check_in(person_id, source=source, event_id=event_id))
        for clinic, source in (first, second)
    ]
    if order == "second then first":
        sends.reverse()
    if order == "in one batch" and first[0] == second[0]:
        await intake.send(first[0], sends[0][1], sends[1][1])
    elif order == "in one batch":
        await asyncio.gather(*(intake.send(clinic, envelope) for clinic, envelope in sends))
    else:
        # The first is recorded before the second is sent: the second must not be taken for it.
        await intake.send(*sends[0])
        await intake.published_at_least(person_id, 1)
        await intake.send(*sends[1])
    await intake.published_at_least(person_id, 2)
    await intake.caught_up(first[0], second[0])
    facts = await intake.published(person_id)
    assert len(facts) == 2
    assert len({fact["id"] for fact in facts}) == 2
    assert {fact["correlationid"] for fact in facts} == {e.correlationid for _, e in sends}


async def test_a_genuine_duplicate_from_one_sender_is_recorded_once(intake: Intake) -> None:
    person_id = await intake.person(BAY)
    original = check_in(person_id)
    # Twice in one batch, then again once it was handled (the inbox), as a clinic retrying.
    await intake.send(BAY_EHR, original, original)
    await intake.published_at_least(person_id, 1)
    await intake.send(BAY_EHR, original)
    await intake.caught_up(BAY_EHR)
    (fact,) = await intake.published(person_id)
    assert fact["correlationid"] == original.correlationid


async def test_a_clinic_added_while_intake_runs_is_heard_within_seconds(intake: Intake) -> None:
    person_id = await intake.person(BAY)
    clinic = "late-ehr"
    await provision_clinic(intake.servers.kafka, intake.topics, clinic)
    registered = await intake.client.put(f"/clinics/{clinic}", json={"centres": [BAY]}, headers=OPS)
    assert registered.status_code == 200, registered.text
    sent = check_in(person_id)
    await intake.send(clinic, sent)
    # Intake's metadata refresh is 3 s; with the group's rebalance, well under 20 s (the
    # client's default, 5 minutes, would fail this).
    (fact,) = await eventually(lambda: _published_or_none(intake, person_id), timeout=20)
    assert fact["correlationid"] == sent.correlationid


async def _published_or_none(intake: Intake, person_id: str) -> list[dict[str, Any]] | None:
    return await intake.published(person_id) or None


async def test_a_revoked_grant_refuses_the_events_that_follow(intake: Intake) -> None:
    clinic = "swap-ehr"
    await provision_clinic(intake.servers.kafka, intake.topics, clinic)
    coordinator = headers(Role.COORDINATOR, BAY, "coordinator-bay")
    assert (
        await intake.client.put(f"/clinics/{clinic}", json={"centres": []}, headers=OPS)
    ).status_code == 200
    granted = await intake.client.put(f"/clinics/{clinic}/centres/{BAY}", headers=coordinator)
    assert (granted.status_code, granted.json()["version"]) == (200, 2), granted.text
    person_id = await intake.person(BAY)

    before = check_in(person_id)
    await intake.send(clinic, before)
    await intake.published_at_least(person_id, 1)
    revoked = await intake.client.delete(f"/clinics/{clinic}/centres/{BAY}", headers=coordinator)
    assert (revoked.status_code, revoked.json()["centres"]) == (200, []), revoked.text
    after = check_in(person_id)
    await intake.send(clinic, after)
    refused = await intake.refused(clinic, after.id)
    assert refused["x-dlq-reason-code"] == "sender_not_allowed"
    # Granted again, the refused event replayed is heard: it was never taken as handled.
    assert (
        await intake.client.put(f"/clinics/{clinic}/centres/{BAY}", headers=coordinator)
    ).status_code == 200
    await intake.send(clinic, after)
    facts = await intake.published_at_least(person_id, 2)
    assert [fact["correlationid"] for fact in facts] == [before.correlationid, after.correlationid]

    history = await intake.client.get(f"/clinics/{clinic}/versions", headers=coordinator)
    assert history.status_code == 200
    assert [
        (v["version"], v["change"], v["centre"], v["centres"], v["changed_by"]["subject"])
        for v in history.json()
    ] == [
        (1, "replaced", None, [], "tester"),
        (2, "granted", BAY, [BAY], "coordinator-bay"),
        (3, "revoked", BAY, [], "coordinator-bay"),
        (4, "granted", BAY, [BAY], "coordinator-bay"),
    ]
    stamps = [datetime.fromisoformat(v["changed_at"]) for v in history.json()]
    assert stamps == sorted(stamps)
    assert datetime.now(UTC) - stamps[0] < timedelta(minutes=5)
    current = await intake.client.get(f"/clinics/{clinic}", headers=OPS)
    assert (current.json()["version"], current.json()["centres"]) == (4, [BAY])


async def test_the_same_grants_again_make_no_new_version(intake: Intake) -> None:
    clinic = "steady-ehr"
    first = await intake.client.put(f"/clinics/{clinic}", json={"centres": [BAY]}, headers=OPS)
    again = await intake.client.put(f"/clinics/{clinic}", json={"centres": [BAY]}, headers=OPS)
    regrant = await intake.client.put(
        f"/clinics/{clinic}/centres/{BAY}", headers=headers(Role.COORDINATOR, BAY)
    )
    assert [r.json()["version"] for r in (first, again, regrant)] == [1, 1, 1]
    widened = await intake.client.put(
        f"/clinics/{clinic}", json={"centres": [COVE, BAY]}, headers=OPS
    )
    assert (widened.json()["version"], widened.json()["centres"]) == (2, [BAY, COVE])


TOO_MANY = [f"c-{n}" for n in range(201)]
EMPTY: dict[str, list[str]] = {"centres": []}


@dataclass(frozen=True)
class Hostile:
    method: str
    path: str
    role: Role | None  # None: no token at all
    centre: str
    body: object
    status: int
    says: str


HOSTILE = {
    "no token": Hostile("PUT", f"/clinics/{BAY_EHR}", None, "", EMPTY, 401, "bearer"),
    "upper case id": Hostile("PUT", "/clinics/Bay-EHR", Role.OPS, "*", EMPTY, 422, "pattern"),
    "underscore id": Hostile("PUT", "/clinics/bay_ehr", Role.OPS, "*", EMPTY, 422, "pattern"),
    "long id": Hostile("PUT", f"/clinics/{'b' * 41}", Role.OPS, "*", EMPTY, 422, "pattern"),
    "operator id": Hostile("PUT", "/clinics/$gt", Role.OPS, "*", EMPTY, 422, "pattern"),
    "reserved id": Hostile("PUT", "/clinics/dlq", Role.OPS, "*", EMPTY, 422, "reserved"),
    "unknown centre": Hostile(
        "PUT", "/clinics/new-ehr", Role.OPS, "*", {"centres": [BAY, "atlantis"]}, 422,
        "is not a registered centre",
    ),
    "listed twice": Hostile(
        "PUT", "/clinics/new-ehr", Role.OPS, "*", {"centres": [BAY, COVE, BAY]}, 422,
        "is listed twice",
    ),
    "bad centre id": Hostile(
        "PUT", "/clinics/new-ehr", Role.OPS, "*", {"centres": ["a b"]}, 422, "pattern"
    ),
    "operator centre": Hostile(
        "PUT", "/clinics/new-ehr", Role.OPS, "*", {"centres": [{"$gt": ""}]}, 422, "string_type"
    ),
    "not a list": Hostile(
        "PUT", "/clinics/new-ehr", Role.OPS, "*", {"centres": BAY}, 422, "list_type"
    ),
    "extra field": Hostile(
        "PUT", "/clinics/new-ehr", Role.OPS, "*", {"centres": [], "topic": "person-events"}, 422,
        "extra_forbidden",
    ),
    "too many centres": Hostile(
        "PUT", "/clinics/new-ehr", Role.OPS, "*", {"centres": TOO_MANY}, 422, "at most 200"
    ),
    "a huge list": Hostile(
        "PUT", "/clinics/new-ehr", Role.OPS, "*",
        {"centres": [f"centre-{n}" for n in range(20_000)]}, 413, "larger than",
    ),
    "coordinator replaces": Hostile(
        "PUT", f"/clinics/{BAY_EHR}", Role.COORDINATOR, BAY, {"centres": [BAY]}, 403,
        "needs one of ops",
    ),
    "one centre's ops": Hostile(
        "PUT", f"/clinics/{BAY_EHR}", Role.OPS, BAY, {"centres": [BAY]}, 403, "another centre"
    ),
    "other centre's coordinator grants": Hostile(
        "PUT", f"/clinics/{COVE_EHR}/centres/{BAY}", Role.COORDINATOR, COVE, None, 403,
        "another centre",
    ),
    "other centre's coordinator revokes": Hostile(
        "DELETE", f"/clinics/{BAY_EHR}/centres/{BAY}", Role.COORDINATOR, COVE, None, 403,
        "another centre",
    ),
    "supporter grants": Hostile(
        "PUT", f"/clinics/{COVE_EHR}/centres/{BAY}", Role.SUPPORTER, BAY, None, 403,
        "needs one of coordinator, ops",
    ),
    "clinic grants itself": Hostile(
        "PUT", f"/clinics/{COVE_EHR}/centres/{BAY}", Role.CLINIC_SYSTEM, BAY, None, 403,
        "needs one of coordinator, ops",
    ),
    "clinic reads grants": Hostile(
        "GET", f"/clinics/{BAY_EHR}", Role.CLINIC_SYSTEM, BAY, None, 403,
        "needs one of coordinator, ops",
    ),
    "grant an unknown centre": Hostile(
        "PUT", f"/clinics/{BAY_EHR}/centres/atlantis", Role.OPS, "*", None, 404, "no such centre"
    ),
    "grant an unknown clinic": Hostile(
        "PUT", f"/clinics/nobody-ehr/centres/{BAY}", Role.COORDINATOR, BAY, None, 404,
        "no such clinic",
    ),
    "read an unknown clinic": Hostile(
        "GET", "/clinics/nobody-ehr", Role.OPS, "*", None, 404, "no such clinic"
    ),
    "history of an unknown clinic": Hostile(
        "GET", "/clinics/nobody-ehr/versions", Role.COORDINATOR, BAY, None, 404, "no such clinic"
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(HOSTILE))
async def test_a_hostile_registration_is_refused_saying_why(intake: Intake, case: str) -> None:
    hostile = HOSTILE[case]
    response = await intake.client.request(
        hostile.method,
        hostile.path,
        json=hostile.body,
        headers=headers(hostile.role, hostile.centre) if hostile.role else {},
    )
    assert response.status_code == hostile.status, response.text
    assert hostile.says in response.text, response.text


async def test_after_hostile_registrations_the_grants_are_as_they_were(intake: Intake) -> None:
    for clinic, centres in ((BAY_EHR, [BAY]), (COVE_EHR, [COVE]), (TIDE_EHR, [BAY])):
        current = await intake.client.get(f"/clinics/{clinic}", headers=OPS)
        assert current.status_code == 200
        assert current.json()["centres"] == centres, clinic
    for missing in ("new-ehr", "nobody-ehr", "dlq"):
        response = await intake.client.get(f"/clinics/{missing}", headers=OPS)
        assert response.status_code == 404, missing
    document = json.dumps((await intake.client.get("/openapi.json")).json())
    assert "/clinics/{clinic}/centres/{centre_id}" in document
