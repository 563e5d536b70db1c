"""One-on-one meetings and travel against the real servers: stays learnt from person events,
exclusions and availability over HTTP, and racing replicas that never break the travel buffer."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from peerlink_devtools.kafka_watch import wait_for_zero_lag
from peerlink_scheduling.bootstrap import bootstrap
from peerlink_scheduling.domain.matching import SessionRequest
from peerlink_scheduling.settings import SchedulingSettings
from peerlink_shared.contracts import (
    AdmissionRecorded,
    CentreRegistered,
    DischargeRecorded,
    EligibilityChanged,
    ProgrammeEnded,
)
from peerlink_shared.messaging.envelope import Envelope
from peerlink_shared.messaging.topics import Topics
from peerlink_shared.security.auth import Role
from peerlink_shared.storage.mongo import make_mongo_client

from tests.integration.helpers import envelope_for, headers, publish, served
from tests.integration.scheduler_replicas import scheduler_replicas
from tests.servers import Servers

# A window next week, 17:00-21:00 in Dublin (UTC+0 in winter, +1 in summer: read locally).
NEXT_WEEK = (datetime.now(UTC) + timedelta(days=7)).date()
CENTRE = "lough-house"


scheduling = served(bootstrap, SchedulingSettings, name="meetings")


async def ask_for_meeting(
    scheduling: httpx.AsyncClient, starts: datetime, window: timedelta, caller: dict[str, str]
) -> httpx.Response:
    """An hour's meeting with the resident p-res, somewhere in the window from `starts`."""
    return await scheduling.post(
        f"/centres/{CENTRE}/meetings",
        json={
            "resident_id": "p-res",
            "window_starts_at": starts.isoformat(),
            "window_ends_at": (starts + window).isoformat(),
            "duration_minutes": 60,
        },
        headers=caller,
    )


def eligible(person_id: str, centre_id: str = CENTRE) -> Envelope:
    change = EligibilityChanged(
        person_id=person_id,
        centre_id=centre_id,
        eligible=True,
        reasons=(),
        decided_on=date.today(),
    )
    return envelope_for(change, subject=person_id)


def fact(
    payload: AdmissionRecorded | ProgrammeEnded | DischargeRecorded,
) -> Envelope:
    return envelope_for(payload, subject=payload.person_id)


async def test_a_meeting_skips_conflicts_and_exclusions_and_finds_a_free_time(
    scheduling: httpx.AsyncClient, servers: Servers, topics: Topics, run_id: str
) -> None:
    centre = CentreRegistered(
        centre_id=CENTRE, display_name="Lough House", region="west", timezone="Europe/Dublin"
    )
    await publish(servers.kafka, topics.centre_events, envelope_for(centre, subject=CENTRE))
    resident_in = date.today() - timedelta(days=20)
    await publish(
        servers.kafka,
        topics.person_events,
        # The resident arrived 20 days ago and is still there.
        fact(AdmissionRecorded(person_id="p-res", centre_id=CENTRE, admitted_on=resident_in)),
        # p-s1 was a resident at the same time: a conflict of interest.
        fact(
            AdmissionRecorded(
                person_id="p-s1", centre_id=CENTRE, admitted_on=resident_in - timedelta(days=60)
            )
        ),
        fact(
            DischargeRecorded(
                person_id="p-s1", centre_id=CENTRE, discharged_on=resident_in + timedelta(days=2)
            )
        ),
        # p-s3 graduated here long ago: no conflict, and a graduate of this centre.
        fact(AdmissionRecorded(person_id="p-s3", centre_id=CENTRE, admitted_on=date(2019, 1, 7))),
        fact(
            ProgrammeEnded(
                person_id="p-s3", centre_id=CENTRE, ended_on=date(2019, 4, 1), outcome="completed"
            )
        ),
    )
    await publish(
        servers.kafka,
        topics.eligibility_changes,
        *(eligible(person) for person in ("p-s1", "p-s2", "p-s3")),
    )
    await wait_for_zero_lag(
        servers.kafka,
        {
            f"{run_id}-meetings": [
                topics.centre_events,
                topics.person_events,
                topics.eligibility_changes,
            ]
        },
    )
    coordinator = headers(Role.COORDINATOR, CENTRE)
    excluded = await scheduling.put(
        f"/centres/{CENTRE}/residents/p-res/exclusions",
        json={"supporter_ids": ["p-s2"]},
        headers=coordinator,
    )
    assert excluded.status_code == 204, excluded.text
    # p-s3 is free only from 19:00 on the meeting's day.
    weekday = NEXT_WEEK.weekday()
    availability = await scheduling.put(
        "/supporters/p-s3/availability",
        json={
            "timezone": "Europe/Dublin",
            "weekly": [{"weekday": weekday, "start": "19:00", "end": "22:00"}],
        },
        headers=headers(Role.SUPPORTER, CENTRE, "p-s3"),
    )
    assert availability.status_code == 204, availability.text

    window_start = datetime.fromisoformat(f"{NEXT_WEEK}T17:00").replace(
        tzinfo=ZoneInfo("Europe/Dublin")
    )
    response = await ask_for_meeting(scheduling, window_start, timedelta(hours=4), coordinator)
    assert response.status_code == 201, response.text
    meeting = response.json()
    assert meeting["kind"] == "one_on_one"
    (assignment,) = meeting["assignments"]
    assert assignment["supporter_id"] == "p-s3"
    assert datetime.fromisoformat(assignment["starts_at"]) == window_start + timedelta(hours=2)
    assert "graduate of this centre" in assignment["why"]


async def test_a_meeting_window_that_ends_before_it_starts_is_refused(
    scheduling: httpx.AsyncClient,
) -> None:
    start = datetime.now(UTC) + timedelta(days=3)
    response = await ask_for_meeting(
        scheduling, start, timedelta(minutes=30), headers(Role.COORDINATOR, CENTRE)
    )
    assert response.status_code == 422
    assert "shorter than the meeting" in response.text


async def test_racing_replicas_keep_the_travel_buffer(
    servers: Servers, topics: Topics, run_id: str
) -> None:
    """Two replicas book one supporter at two centres in different regions, 30 minutes apart
    (90 are needed): the time holds do not see that, the re-check after claiming must."""
    client = make_mongo_client(servers.mongo_url)
    db = client[f"{run_id}_travel_race"]
    replicas, stores = await scheduler_replicas(db, topics)
    for centre, region in (("t-east", "east"), ("t-west", "west")):
        await stores.supporters.save_centre(
            CentreRegistered(centre_id=centre, display_name=centre, region=region, timezone="UTC")
        )
        await stores.supporters.set_eligible(
            person_id="p-t1", centre_id=centre, eligible=True, eligible_from=None
        )
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    east = SessionRequest("s-t-east", "t-east", start, timedelta(hours=1), 1)
    west = SessionRequest(
        "s-t-west", "t-west", start + timedelta(minutes=90), timedelta(hours=1), 1
    )
    for session in (east, west):
        await stores.sessions.add_session(session, at=datetime.now(UTC))
    for _ in range(3):
        await asyncio.gather(
            replicas[0].fill(east, correlation_id="race"),
            replicas[1].fill(west, correlation_id="race"),
        )
    booked = [a.session_id for a in await stores.sessions.bookings_for_supporter("p-t1")]
    assert len(booked) == 1, booked
    await client.close()
