"""The whole network as four processes on the real servers: admission to notification."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import httpx
import pytest
from peerlink_devtools.clinics import CLINIC, STRANGER, add_clinic, two_clinics_report
from peerlink_devtools.kafka_watch import read_all, wait_for_zero_lag
from peerlink_devtools.processes import Network, consumer_groups
from peerlink_devtools.replay import find_event, republish
from peerlink_devtools.scenario import (
    Api,
    Headers,
    Say,
    enrol_graduate,
    play,
    record_year_sober,
    register_centre,
    retry_milestone,
    wait_for_messages,
)
from peerlink_shared.contracts import (
    CravingCheckInRecorded,
    ProgrammeEnded,
    SobrietyMilestoneRecorded,
    VolunteeringChanged,
)
from peerlink_shared.messaging.envelope import make_envelope
from peerlink_shared.messaging.topics import Topics, dead_letter_topic
from peerlink_shared.security.auth import Role

from tests.e2e.network import api_for, open_session
from tests.integration.helpers import eventually, publish_raw
from tests.servers import Servers

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def network(network: Network) -> Iterator[Network]:
    """The suite's network (tests/e2e/conftest.py), which must stop cleanly at the end."""
    yield network
    codes = network.stop_all()
    # uvicorn drains, then re-raises SIGTERM so the exit status says why it stopped.
    assert set(codes.values()) <= {0, -15}, f"services did not stop cleanly on SIGTERM: {codes}"
    for name in codes:
        log = (network.log_dir / f"{name}.log").read_text()
        assert '"event": "service_stopped"' in log, f"{name} did not drain on SIGTERM"


def run_suffix() -> str:
    return secrets.token_hex(3)


async def year_sober_graduate(
    api: Api, centre_id: str, coordinator: Headers, today: date, say: Say
) -> str:
    """A graduate enrolled at the centre, then 365 days sober (a milestone keyed by them)."""
    person = await enrol_graduate(
        api, centre_id=centre_id, coordinator=coordinator, today=today, say=say
    )
    await record_year_sober(
        api, centre_id=centre_id, person_id=person, coordinator=coordinator, today=today,
        key=f"m-{person}",
    )  # fmt: skip
    return person


async def caught_up(network: Network, servers: Servers, topics: Topics) -> None:
    groups = consumer_groups(network.topic_prefix, topics, clinics=(CLINIC, STRANGER))
    await wait_for_zero_lag(servers.kafka, groups, timeout=90)


async def test_a_milestone_fills_a_session_and_tells_the_supporter_once(
    network: Network, servers: Servers, topics: Topics
) -> None:
    api = api_for(network)
    steps: list[str] = []
    try:
        result = await play(api, say=steps.append, today=datetime.now(UTC).date(), wait_seconds=90)
        (message,) = result.messages
        assert str(message["text"]).startswith("You're booked for a session at Harbour House on ")
        # What the demo does next: the centre's clinic is heard over Kafka, another is refused.
        await two_clinics_report(
            api,
            kafka=servers.kafka,
            topics=topics,
            centre_id=result.centre_id,
            person_id=result.person_id,
            say=steps.append,
        )

        coordinator = api.token(role=Role.COORDINATOR, centre=result.centre_id, subject="c-1")
        (session,) = (
            await api.call(
                "GET", "scheduling", f"/centres/{result.centre_id}/sessions", headers=coordinator
            )
        ).json()
        assert [a["supporter_id"] for a in session["assignments"]] == [result.person_id]

        # The clinic retries over HTTP, and Kafka redelivers every event of the flow.
        again = await retry_milestone(api, result)
        assert again.json() == {
            **again.json(),
            "duplicate": True,
            "event_id": result.milestone_event_id,
        }
        milestone = await find_event(servers.kafka, topics.person_events, result.milestone_event_id)
        await republish(servers.kafka, milestone, times=2)
        for record in await read_all(
            servers.kafka, [topics.eligibility_changes, topics.session_events]
        ):
            if record.key in {result.person_id.encode(), result.session_id.encode()}:
                await republish(servers.kafka, record)
        await caught_up(network, servers, topics)

        supporter = api.token(
            role=Role.SUPPORTER, centre=result.centre_id, subject=result.person_id
        )
        messages = await wait_for_messages(
            api, person_id=result.person_id, headers=supporter, at_least=1, timeout=5
        )
        assert len(messages) == 1
        (session,) = (
            await api.call(
                "GET", "scheduling", f"/centres/{result.centre_id}/sessions", headers=coordinator
            )
        ).json()
        assert len(session["assignments"]) == 1
    finally:
        await api.close()


def test_services_log_json_lines_with_event_and_correlation_ids(network: Network) -> None:
    handled = []
    for path in Path(network.log_dir).glob("*.log"):
        for line in path.read_text().splitlines():
            entry = json.loads(line)  # every line is JSON, or this fails
            if entry.get("event") == "event_handled":
                handled.append(entry)
    assert handled
    assert all(
        entry["event_id"] and entry["correlation_id"] and entry["service"] for entry in handled
    )


async def test_a_clinic_system_makes_a_person_eligible_over_kafka(
    network: Network, servers: Servers, topics: Topics
) -> None:
    api = api_for(network)
    centre_id = f"clinic-{run_suffix()}"
    ops = api.token(role=Role.OPS, centre="*", subject="ops-1")
    clinic = api.token(role=Role.CLINIC_SYSTEM, centre=centre_id, subject="ehr-1")
    try:
        centre = {
            "centre_id": centre_id,
            "display_name": "Dune House",
            "region": "south",
            "timezone": "UTC",
        }
        assert (
            await api.call("PUT", "intake", f"/centres/{centre_id}", headers=ops, json=centre)
        ).status_code == 200
        person_id = (
            await api.call("POST", "intake", f"/centres/{centre_id}/persons", headers=clinic)
        ).json()["person_id"]
        # The clinic logs in as itself: its principal may write its own topic, nothing else.
        clinic_system = await add_clinic(
            api,
            kafka=servers.kafka,
            topics=topics,
            clinic=f"dune-ehr-{run_suffix()}",
            centres=[centre_id],
            ops=ops,
            own_login=True,
        )
        inbound = clinic_system.topic
        today = datetime.now(UTC).date()
        facts = [
            ProgrammeEnded(
                person_id=person_id,
                centre_id=centre_id,
                ended_on=date(2024, 5, 1),
                outcome="completed",
            ),
            SobrietyMilestoneRecorded(
                person_id=person_id,
                sober_since=today - timedelta(days=400),
                days=400,
                recorded_on=today,
            ),
            CravingCheckInRecorded(person_id=person_id, level=1, checked_on=today),
            VolunteeringChanged(person_id=person_id, volunteering=True, changed_on=today),
        ]
        events = [
            make_envelope(
                event_id=f"ehr-{n}-{person_id}",
                source="/clinics/dune-ehr",
                event_type=fact.event_type(),
                subject=person_id,
                time=datetime.now(UTC),
                data=fact.model_dump(mode="json"),
                correlation_id=f"ehr-batch-{person_id}",
            )
            for n, fact in enumerate(facts)
        ]
        malformed = (
            b'{"specversion": "1.0", "type": "peerlink.person.relapse-recorded.v1", "data": '
        )
        await publish_raw(
            clinic_system.login,
            inbound,
            [(person_id.encode(), e.model_dump_json().encode()) for e in events]
            + [(b"malformed", malformed)],
        )
        coordinator = api.token(role=Role.COORDINATOR, centre=centre_id, subject="c-1")

        async def decided() -> dict[str, object] | None:
            response = await api.call(
                "GET",
                "eligibility",
                f"/centres/{centre_id}/persons/{person_id}/decision",
                headers=coordinator,
            )
            body: dict[str, object] = response.json()
            return body if response.status_code == 200 and body["eligible"] else None

        decision = await eventually(decided, timeout=60)
        assert decision["reasons"] == []

        async def dead_lettered() -> dict[str, str] | None:
            records = await read_all(servers.kafka, [dead_letter_topic(inbound)])
            found = [r.headers for r in records if r.key == b"malformed"]
            return found[0] if found else None

        headers = await eventually(dead_lettered, timeout=30)
        assert headers["x-dlq-reason-code"] == "malformed_json"
        assert headers["x-original-topic"] == inbound
    finally:
        await api.close()


CANARY = "canary.jane.doe.7731"


async def test_contact_details_and_refused_input_never_travel(
    network: Network, servers: Servers, topics: Topics
) -> None:
    """A marker planted in a contact address, a refused HTTP field and a refused Kafka event
    shows up in no topic (except the dead-letter copy of the refused event itself, kept for
    replay) and in no service's log."""
    api = api_for(network)
    try:
        person = f"p-canary-{run_suffix()}"
        own = api.token(role=Role.SUPPORTER, centre="harbour", subject=person)
        contact = {"email": f"{CANARY}@example.org", "locale": "en"}
        assert (
            await api.call(
                "PUT", "notifications", f"/persons/{person}/contact", headers=own, json=contact
            )
        ).status_code == 200
        ops = api.token(role=Role.OPS, centre="*", subject="ops")
        centre = {
            "centre_id": "canary-centre",
            "display_name": "C",
            "region": "r",
            "timezone": "UTC",
        }
        refused = await api.call(
            "PUT", "intake", "/centres/canary-centre", headers=ops, json={**centre, "notes": CANARY}
        )
        assert refused.status_code == 422
        assert CANARY not in refused.text
        inbound = (
            await add_clinic(
                api, kafka=servers.kafka, topics=topics, clinic="canary-ehr", centres=[], ops=ops
            )
        ).topic
        await publish_raw(
            servers.kafka,
            inbound,
            [(b"canary", f'{{"id": "x", "data": {{"name": "{CANARY}"}}}}'.encode())],
        )

        async def dead_lettered() -> bool | None:
            records = await read_all(servers.kafka, [dead_letter_topic(inbound)])
            return True if any(r.key == b"canary" for r in records) else None

        await eventually(dead_lettered, timeout=30)
    finally:
        await api.close()

    planted = {inbound, dead_letter_topic(inbound)}
    everything = [name for name, _ in topics.all_with_dead_letters()] + sorted(planted)
    for record in await read_all(servers.kafka, everything):
        if record.topic in planted and record.key == b"canary":
            # The planted event itself, and its dead-letter copy kept for replay; the
            # reason in the copy's headers never quotes it.
            assert CANARY not in json.dumps(record.headers)
            continue
        assert CANARY.encode() not in record.value, record.topic
        assert CANARY not in json.dumps(record.headers), record.topic
    assert logs_mentioning(network.log_dir, CANARY) == []


def logs_mentioning(log_dir: Path, text: str) -> list[str]:
    return [path.name for path in log_dir.glob("*.log") if text in path.read_text()]


async def test_a_relapse_hands_the_session_to_another_supporter_and_tells_each_once(
    network: Network, servers: Servers, topics: Topics
) -> None:
    """The first supporter relapses: their session goes to the second, who is told they are
    booked; the first is told they need not come (not why); the coordinator is told the
    session was re-staffed. Exactly once each, though Kafka delivers it all twice."""
    api = api_for(network)
    today = datetime.now(UTC).date()
    centre_id = f"relapse-{run_suffix()}"
    coordinator = api.token(role=Role.COORDINATOR, centre=centre_id, subject="coordinator-1")
    steps: list[str] = []
    try:
        await register_centre(api, centre_id=centre_id, name="Quay House", coordinator=coordinator)
        first = await year_sober_graduate(api, centre_id, coordinator, today, steps.append)

        async def eligible(person_id: str) -> bool:
            response = await api.call(
                "GET",
                "eligibility",
                f"/centres/{centre_id}/persons/{person_id}/decision",
                headers=coordinator,
            )
            return response.status_code == 200 and response.json()["eligible"] is True

        # Eligible, and scheduling knows it, before the session is asked for: it is filled at
        # once, and the centre has nothing to hear until the relapse.
        await eventually(lambda: eligible(first), timeout=90)
        await caught_up(network, servers, topics)
        starts_at = datetime.combine(today + timedelta(days=4), time(11, 0), tzinfo=UTC)
        created = await open_session(
            api, centre_id=centre_id, headers=coordinator, starts_at=starts_at
        )
        session_id = created["session_id"]

        async def staffed_by() -> list[str] | None:
            response = await api.call(
                "GET", "scheduling", f"/centres/{centre_id}/sessions", headers=coordinator
            )
            (session,) = response.json()
            return [a["supporter_id"] for a in session["assignments"]] or None

        assert await eventually(staffed_by, timeout=90) == [first]
        second = await year_sober_graduate(api, centre_id, coordinator, today, steps.append)
        await caught_up(network, servers, topics)
        assert await staffed_by() == [first], "a full session must not change hands"

        relapse = await api.call(
            "POST",
            "intake",
            f"/centres/{centre_id}/persons/{first}/relapses",
            headers=coordinator,
            json={"relapsed_on": str(today - timedelta(days=1))},
        )
        assert relapse.status_code == 202, relapse.text

        async def handed_over() -> list[str] | None:
            return who if (who := await staffed_by()) == [second] else None

        await eventually(handed_over, timeout=90)
        # Kafka delivers everything of this story again.
        await caught_up(network, servers, topics)
        for record in await read_all(
            servers.kafka,
            [topics.person_events, topics.eligibility_changes, topics.session_events],
        ):
            if record.key in {first.encode(), session_id.encode()}:
                await republish(servers.kafka, record)
        await caught_up(network, servers, topics)
        assert await staffed_by() == [second]

        async def texts(path: str, headers: dict[str, str], recipient: str) -> list[str]:
            response = await api.call("GET", "notifications", path, headers=headers)
            assert response.status_code == 200, response.text
            return [str(m["text"]) for m in response.json() if m["recipient_id"] == recipient]

        first_texts = await texts(
            f"/persons/{first}/messages",
            api.token(role=Role.SUPPORTER, centre=centre_id, subject=first),
            first,
        )
        second_texts = await texts(
            f"/persons/{second}/messages",
            api.token(role=Role.SUPPORTER, centre=centre_id, subject=second),
            second,
        )
        # The centre's own messages (its list also shows what was sent to its supporters).
        centre_texts = await texts(f"/centres/{centre_id}/messages", coordinator, centre_id)
        when = "at Quay House on"
        assert len(first_texts) == 2, first_texts
        assert first_texts[0].startswith(f"You're booked for a session {when}")
        assert first_texts[1].startswith(f"Your session {when}")
        assert "given to someone else" in first_texts[1]
        (booked,) = second_texts
        assert booked.startswith(f"You're booked for a session {when}")
        (replaced,) = centre_texts
        assert replaced.startswith(f"The session {when}")
        assert "new supporter" in replaced
        for text in (*first_texts, *second_texts, *centre_texts):
            for word in ("relapse", "sober", "eligib", "treatment", first, second):
                assert word not in text.lower(), (word, text)
    finally:
        await api.close()


async def test_a_graduate_serves_another_centre_only_while_they_share_with_the_network(
    network: Network, servers: Servers, topics: Topics
) -> None:
    """A graduate of one centre chooses to be offered across the network: a centre open to
    network graduates gets them for its session, and sees their standing but never their
    reasons. They withdraw the choice: the place is released."""
    api = api_for(network)
    today = datetime.now(UTC).date()
    home, host = f"home-{run_suffix()}", f"host-{run_suffix()}"
    home_staff = api.token(role=Role.COORDINATOR, centre=home, subject="coordinator-1")
    host_staff = api.token(role=Role.COORDINATOR, centre=host, subject="coordinator-2")
    steps: list[str] = []
    try:
        await register_centre(api, centre_id=home, name="North House", coordinator=home_staff)
        await register_centre(api, centre_id=host, name="Bay House", coordinator=host_staff)
        opened = await api.call(
            "PUT",
            "eligibility",
            f"/centres/{host}/policy",
            headers=host_staff,
            json={"accept_network_graduates": True},
        )
        assert opened.status_code == 202, opened.text
        person = await year_sober_graduate(api, home, home_staff, today, steps.append)
        starts_at = datetime.combine(today + timedelta(days=5), time(15, 0), tzinfo=UTC)
        await open_session(api, centre_id=host, headers=host_staff, starts_at=starts_at)

        async def staffed_by() -> list[str]:
            response = await api.call(
                "GET", "scheduling", f"/centres/{host}/sessions", headers=host_staff
            )
            (session,) = response.json()
            return [a["supporter_id"] for a in session["assignments"]]

        async def share(sharing: bool) -> None:
            chose = await api.call(
                "POST",
                "intake",
                f"/centres/{home}/persons/{person}/network-sharing",
                headers=api.token(role=Role.SUPPORTER, centre=home, subject=person),
                json={"sharing": sharing, "changed_on": str(today)},
            )
            assert chose.status_code == 202, chose.text

        # Eligible at home, but not offered elsewhere until they choose it.
        async def eligible_at_home() -> bool:
            response = await api.call(
                "GET",
                "eligibility",
                f"/centres/{home}/persons/{person}/decision",
                headers=home_staff,
            )
            return response.status_code == 200 and response.json()["eligible"] is True

        await eventually(eligible_at_home, timeout=90)
        await caught_up(network, servers, topics)
        assert await staffed_by() == []
        await share(True)

        async def booked() -> list[str] | None:
            return who if (who := await staffed_by()) == [person] else None

        async def as_host_sees(what: str) -> httpx.Response:
            """The person's `decision` or `standing` at eligibility, asked by the host."""
            return await api.call(
                "GET", "eligibility", f"/centres/{host}/persons/{person}/{what}", headers=host_staff
            )

        await eventually(booked, timeout=90)
        reasons = await as_host_sees("decision")
        assert reasons.status_code == 403
        standing = await as_host_sees("standing")
        assert standing.json() == {
            "person_id": person,
            "centre_id": host,
            "standing": "eligible",
            "eligible_from": None,
        }

        await share(False)

        async def released() -> bool:
            return await staffed_by() == []

        await eventually(released, timeout=90)
        gone = await as_host_sees("standing")
        assert gone.status_code == 404
    finally:
        await api.close()
