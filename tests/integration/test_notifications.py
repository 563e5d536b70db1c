"""Notifications against the real servers: one message per (event, recipient, channel)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from peerlink_devtools.kafka_watch import read_all, wait_for_zero_lag
from peerlink_notifications.bootstrap import bootstrap
from peerlink_notifications.settings import NotificationsSettings
from peerlink_shared.contracts import (
    CentreRegistered,
    SessionCancelled,
    SessionFilled,
    SessionUnfilled,
    SupporterAssigned,
    SupporterUnassigned,
)
from peerlink_shared.messaging.envelope import Envelope
from peerlink_shared.messaging.topics import Topics
from peerlink_shared.security.auth import Role

from tests.integration.helpers import (
    as_event,
    envelope_for,
    eventually,
    headers,
    publish,
    served,
)
from tests.servers import Servers

STARTS = datetime(2031, 3, 4, 18, 30, tzinfo=UTC)


notifications = served(bootstrap, NotificationsSettings, name="notifications")


async def test_one_message_however_often_the_assignment_arrives(
    notifications: httpx.AsyncClient, servers: Servers, topics: Topics, run_id: str
) -> None:
    centre = CentreRegistered(
        centre_id="n-centre", display_name="Lake House", region="west", timezone="America/New_York"
    )
    await publish(servers.kafka, topics.centre_events, envelope_for(centre, subject="n-centre"))
    await wait_for_zero_lag(servers.kafka, {f"{run_id}-notifications": [topics.centre_events]})
    assigned = envelope_for(
        SupporterAssigned(
            session_id="s-n1",
            centre_id="n-centre",
            supporter_id="p-n1",
            slot=0,
            starts_at=STARTS,
            duration_minutes=60,
            assigned_on=STARTS.date() - timedelta(days=3),
        ),
        subject="s-n1",
    )
    await publish(servers.kafka, topics.session_events, assigned, assigned, assigned)
    await wait_for_zero_lag(servers.kafka, {f"{run_id}-notifications": [topics.session_events]})
    supporter = headers(Role.SUPPORTER, "n-centre", "p-n1")

    async def messages() -> list[dict[str, str]] | None:
        found: list[dict[str, str]] = (
            await notifications.get("/persons/p-n1/messages", headers=supporter)
        ).json()
        return found or None

    (message,) = await eventually(messages)
    assert (
        message["text"]
        == "You're booked for a session at Lake House on Tuesday 04 March 2031 at 13:30."
    )
    assert message["channel"] == "in_app"

    coordinator = await notifications.get(
        "/centres/n-centre/messages", headers=headers(Role.COORDINATOR, "n-centre")
    )
    assert [m["recipient_id"] for m in coordinator.json()] == ["p-n1"]
    other = await notifications.get(
        "/persons/p-n1/messages", headers=headers(Role.SUPPORTER, "n-centre", "p-n2")
    )
    assert other.status_code == 403

    async def recorded_events() -> list[dict[str, object]] | None:
        records = await read_all(servers.kafka, [topics.notification_events], idle_seconds=0.5)
        events = [as_event(r.value) for r in records if r.key == b"p-n1"]
        return [e for e in events if e is not None] or None

    (event,) = await eventually(recorded_events)
    assert event["causationid"] == assigned.id
    assert "text" not in event["data"]  # type: ignore[operator]


async def test_contact_details_are_validated(notifications: httpx.AsyncClient) -> None:
    own = headers(Role.SUPPORTER, "n-centre", "p-n3")
    refused = await notifications.put(
        "/persons/p-n3/contact", json={"email": "not-an-email"}, headers=own
    )
    assert refused.status_code == 422
    accepted = await notifications.put(
        "/persons/p-n3/contact", json={"email": "p3@example.org", "locale": "en-GB"}, headers=own
    )
    assert accepted.status_code == 200
    assert accepted.json() == {"webhook_secret": None}


async def test_a_released_supporter_is_told_once_and_not_why(
    notifications: httpx.AsyncClient, servers: Servers, topics: Topics, run_id: str
) -> None:
    released = envelope_for(
        SupporterUnassigned(
            session_id="s-n2", centre_id="n-centre", supporter_id="p-n4", slot=0, starts_at=STARTS
        ),
        subject="s-n2",
    )
    await publish(servers.kafka, topics.session_events, released, released)
    await wait_for_zero_lag(servers.kafka, {f"{run_id}-notifications": [topics.session_events]})
    supporter = headers(Role.SUPPORTER, "n-centre", "p-n4")

    async def messages() -> list[dict[str, str]] | None:
        found: list[dict[str, str]] = (
            await notifications.get("/persons/p-n4/messages", headers=supporter)
        ).json()
        return found or None

    (message,) = await eventually(messages)
    assert message["text"].endswith("has been given to someone else. You don't need to attend.")
    assert "relapse" not in message["text"].lower()
    assert "eligib" not in message["text"].lower()


async def test_the_centre_hears_of_a_session_it_cannot_staff(
    notifications: httpx.AsyncClient, servers: Servers, topics: Topics
) -> None:
    unfilled = envelope_for(
        SessionUnfilled(
            session_id="s-n3",
            centre_id="n-centre",
            starts_at=STARTS,
            open_slots=2,
            reason="no_free_supporters",
        ),
        subject="s-n3",
    )
    await publish(servers.kafka, topics.session_events, unfilled)
    coordinator = headers(Role.COORDINATOR, "n-centre")

    async def centre_messages() -> list[str] | None:
        found = (await notifications.get("/centres/n-centre/messages", headers=coordinator)).json()
        texts = [m["text"] for m in found if m["recipient_id"] == "n-centre"]
        return texts or None

    (text,) = await eventually(centre_messages)
    assert text == (
        "The session at Lake House on Tuesday 04 March 2031 at 13:30 still needs 2 supporters: "
        "every supporter who can serve is booked, away or at their weekly limit."
    )


async def test_the_centre_hears_when_a_short_or_re_staffed_session_is_full_again(
    notifications: httpx.AsyncClient, servers: Servers, topics: Topics, run_id: str
) -> None:
    def filled(session: str, *supporters: str) -> Envelope:
        payload = SessionFilled(
            session_id=session, centre_id="n-centre", starts_at=STARTS, supporter_ids=supporters
        )
        return envelope_for(payload, subject=session)

    short = SessionUnfilled(
        session_id="s-n7",
        centre_id="n-centre",
        starts_at=STARTS,
        open_slots=1,
        reason="no_eligible_supporters",
    )
    twice = filled("s-n6", "p-x2")
    await publish(
        servers.kafka,
        topics.session_events,
        filled("s-n6", "p-x1"),  # filled at once: nothing to tell
        filled("s-n6", "p-x1"),  # the same state again (a new event id): still nothing
        twice,  # p-x1 was replaced: told
        twice,  # redelivered: told once
        envelope_for(short, subject="s-n7"),  # short: told
        filled("s-n7", "p-x3"),  # full again: told
    )
    await wait_for_zero_lag(servers.kafka, {f"{run_id}-notifications": [topics.session_events]})
    found = (
        await notifications.get(
            "/centres/n-centre/messages", headers=headers(Role.COORDINATOR, "n-centre")
        )
    ).json()
    told = {
        m["text"] for m in found if m["recipient_id"] == "n-centre" and "fully staffed" in m["text"]
    }
    assert told == {
        "The session at Lake House on Tuesday 04 March 2031 at 13:30 has a new supporter "
        "and is fully staffed.",
        "The session at Lake House on Tuesday 04 March 2031 at 13:30 is now fully staffed.",
    }
    staffed = [m for m in found if m["recipient_id"] == "n-centre" and "staffed" in m["text"]]
    assert len(staffed) == 2, staffed


async def test_each_supporter_of_a_cancelled_session_is_told(
    notifications: httpx.AsyncClient, servers: Servers, topics: Topics
) -> None:
    cancelled = envelope_for(
        SessionCancelled(
            session_id="s-n4",
            centre_id="n-centre",
            starts_at=STARTS,
            supporter_ids=("p-n5", "p-n6"),
        ),
        subject="s-n4",
    )
    await publish(servers.kafka, topics.session_events, cancelled, cancelled)

    async def told(person: str) -> list[str] | None:
        found = (
            await notifications.get(
                f"/persons/{person}/messages", headers=headers(Role.SUPPORTER, "n-centre", person)
            )
        ).json()
        return [m["text"] for m in found] or None

    for person in ("p-n5", "p-n6"):
        (text,) = await eventually(lambda: told(person))  # noqa: B023 - awaited at once
        assert text.endswith("has been cancelled. You don't need to attend.")


HISTORY_ROUTES = [
    pytest.param("/centres/n-centre/messages", Role.COORDINATOR, id="centre messages"),
    pytest.param("/centres/n-centre/deliveries", Role.COORDINATOR, id="centre deliveries"),
    pytest.param("/persons/p-n9/deliveries", Role.SUPPORTER, id="own deliveries"),
]


@pytest.mark.parametrize(("path", "role"), HISTORY_ROUTES)
@pytest.mark.parametrize(
    ("days", "error_type", "message"),
    [
        ("1000000", "less_than_equal", "Input should be less than or equal to 366"),
        ("367", "less_than_equal", "Input should be less than or equal to 366"),
        ("0", "greater_than_equal", "Input should be greater than or equal to 1"),
        ("-30", "greater_than_equal", "Input should be greater than or equal to 1"),
        (
            "a-month",
            "int_parsing",
            "Input should be a valid integer, unable to parse string as an integer",
        ),
        (
            "1e9",
            "int_parsing",
            "Input should be a valid integer, unable to parse string as an integer",
        ),
    ],
)
async def test_a_history_window_out_of_range_is_a_422_that_says_so(
    *,
    notifications: httpx.AsyncClient,
    path: str,
    role: Role,
    days: str,
    error_type: str,
    message: str,
) -> None:
    """These answered 500 (a timedelta overflow) for `days=1000000`."""
    caller = headers(role, "n-centre", "p-n9")
    response = await notifications.get(path, params={"days": days}, headers=caller)
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == [
        {"loc": ["query", "days"], "msg": message, "type": error_type}
    ]


@pytest.mark.parametrize(("path", "role"), HISTORY_ROUTES)
async def test_a_history_window_within_its_range_is_answered(
    notifications: httpx.AsyncClient, path: str, role: Role
) -> None:
    caller = headers(role, "n-centre", "p-n9")
    for days in ("1", "366"):
        response = await notifications.get(path, params={"days": days}, headers=caller)
        assert response.status_code == 200, response.text
        assert isinstance(response.json(), list)


async def test_every_query_parameter_documents_its_range(
    notifications: httpx.AsyncClient,
) -> None:
    document = (await notifications.get("/openapi.json")).json()
    queries = [
        (path, parameter)
        for path, operations in document["paths"].items()
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query"
    ]
    days = [(path, parameter) for path, parameter in queries if parameter["name"] == "days"]
    assert len(days) == 3
    for path, parameter in days:
        schema = parameter["schema"]
        assert (schema.get("minimum"), schema.get("maximum")) == (1, 366), path
        assert parameter.get("description"), path
    for path, parameter in queries:  # the rest (the audit trail's): bounded too
        options = parameter["schema"].get("anyOf", [parameter["schema"]])
        for option in options:
            if option.get("type") == "integer":
                assert "minimum" in option and "maximum" in option, (path, parameter["name"])
            if option.get("type") == "string" and option.get("format") != "date-time":
                assert "pattern" in option or "maxLength" in option, (path, parameter["name"])
