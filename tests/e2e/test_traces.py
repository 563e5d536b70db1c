"""One trace across the four services, exported over OTLP/HTTP: a fact enters at intake
and the supporter's message is recorded, every Kafka hop a parent link."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta

import pytest
from peerlink_devtools.processes import Network
from peerlink_devtools.scenario import enrol_graduate, register_centre, wait_for_messages
from peerlink_shared.messaging.topics import Topics
from peerlink_shared.security.auth import Role

from tests.e2e.network import api_for, open_session, started_network
from tests.e2e.otlp_receiver import ReceivedSpan, Receiver, otlp_receiver
from tests.servers import Servers

pytestmark = pytest.mark.e2e

CANARY = "canary.trace.jane.4471"
SERVER, CLIENT, PRODUCER, CONSUMER = 2, 3, 4, 5  # the OTLP span kinds used here


@pytest.fixture(scope="module")
def receiver() -> Iterator[tuple[str, Receiver]]:
    with otlp_receiver() as found:
        yield found


@pytest.fixture(scope="module")
def network(
    servers: Servers,
    topics: Topics,
    receiver: tuple[str, Receiver],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Network]:
    endpoint, _ = receiver
    with started_network(
        servers,
        topics,
        log_dir=tmp_path_factory.mktemp("traced-service-logs"),
        extra_env={
            "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
            # Spans reach the receiver within a fraction of a second, not five.
            "OTEL_BSP_SCHEDULE_DELAY": "200",
        },
    ) as running:
        yield running


async def test_a_fact_at_intake_and_the_supporters_message_share_one_trace(
    network: Network, topics: Topics, receiver: tuple[str, Receiver]
) -> None:
    _, received = receiver
    api = api_for(network)
    today = datetime.now(UTC).date()
    centre_id = f"traced-{secrets.token_hex(3)}"
    coordinator = api.token(role=Role.COORDINATOR, centre=centre_id, subject="coordinator-1")
    sober_since = str(today - timedelta(days=365))
    try:
        await register_centre(
            api, centre_id=centre_id, name="Lantern House", coordinator=coordinator
        )
        person = await enrol_graduate(
            api, centre_id=centre_id, coordinator=coordinator, today=today, say=lambda _: None
        )
        supporter = api.token(role=Role.SUPPORTER, centre=centre_id, subject=person)
        contact = await api.call(
            "PUT",
            "notifications",
            f"/persons/{person}/contact",
            headers=supporter,
            json={"email": f"{CANARY}@example.org", "consent": ["email"], "locale": "en"},
        )
        assert contact.status_code == 200, contact.text
        starts_at = datetime.combine(today + timedelta(days=3), time(10, 0), tzinfo=UTC)
        await open_session(api, centre_id=centre_id, headers=coordinator, starts_at=starts_at)
        # The fact that makes them eligible: the trace starts at this request.
        milestone = await api.call(
            "POST",
            "intake",
            f"/centres/{centre_id}/persons/{person}/sobriety-milestones",
            headers={**coordinator, "Idempotency-Key": f"m-{person}"},
            json={"sober_since": sober_since, "days": 365, "recorded_on": str(today)},
        )
        assert milestone.status_code == 202, milestone.text
        trace_id = milestone.headers["traceresponse"].split("-")[1]
        await wait_for_messages(api, person_id=person, headers=supporter, at_least=1, timeout=90)
        # What the flow wrote names its trace, for the console's link to a trace viewer.
        decision = await api.call(
            "GET",
            "eligibility",
            f"/centres/{centre_id}/persons/{person}/decision",
            headers=coordinator,
        )
        assert decision.json()["eligible"] is True
        assert decision.json()["trace_id"] == trace_id
        (staffed,) = (
            await api.call(
                "GET", "scheduling", f"/centres/{centre_id}/sessions", headers=coordinator
            )
        ).json()
        assert [a["trace_id"] for a in staffed["assignments"]] == [trace_id]
    finally:
        await api.close()

    hops = {
        "peerlink-eligibility": topics.person_events,
        "peerlink-scheduling": topics.eligibility_changes,
        "peerlink-notifications": topics.session_events,
    }
    spans = await spans_of(
        received, trace_id, until=lambda found: hop_spans(found, hops) and attempts(found)
    )
    by_id = {span.span_id: span for span in spans}
    (request,) = [s for s in spans if s.span.kind == SERVER and s.service == "peerlink-intake"]
    assert request.span.name == "POST /centres/{centre_id}/persons/{person_id}/sobriety-milestones"
    # The outbox relay's publish, later and in the background, joins the request's trace.
    sends = [
        s
        for s in spans
        if s.span.kind == PRODUCER and s.span.name == f"send {topics.person_events}"
    ]
    assert sends and all(s.parent_id == request.span_id for s in sends)
    # Each hop's consumer span is a child of a span of the service before it.
    chain = hop_spans(spans, hops)
    assert set(chain) == set(hops), f"hops missing from the trace: {set(hops) - set(chain)}"
    before = "peerlink-intake"
    for service, consumed in chain.items():
        assert consumed.parent_id in by_id, f"{service}'s parent is not in the trace"
        assert by_id[consumed.parent_id].service == before, (service, before)
        before = service
    # The delivery attempt, made later by notifications' delivery loop, joins the trace
    # under the span that handled the event it tells of.
    (attempt, *_) = attempts(spans)
    told_by = by_id[attempt.parent_id]
    assert (told_by.service, told_by.span.kind) == ("peerlink-notifications", CONSUMER)
    assert told_by.span.name == f"process {topics.session_events}"
    # Every service's database calls are in the trace too (PyMongo's async client).
    for service in ("peerlink-intake", *hops):
        assert any(
            s.service == service and s.span.kind == CLIENT and "db.system" in s.attributes()
            for s in spans
        ), f"no database span from {service}"

    # No contact address and no health fact in any span any service exported.
    everything = received.received()
    assert {span.service for span in everything} >= {"peerlink-intake", *hops}
    for span in everything:
        values = " ".join([span.span.name, *span.attributes().values()])
        assert CANARY not in values, span.span.name
        assert sober_since not in values, span.span.name


def hop_spans(spans: list[ReceivedSpan], hops: dict[str, str]) -> dict[str, ReceivedSpan]:
    """Each service's span for consuming the hop's topic, once all are there."""
    found = {}
    for service, topic in hops.items():
        for span in spans:
            if (
                span.service == service
                and span.span.kind == CONSUMER
                and span.span.name == f"process {topic}"
                and span.attributes().get("peerlink.outcome") == "handled"
            ):
                found[service] = span
    return found if len(found) == len(hops) else {}


def attempts(spans: list[ReceivedSpan]) -> list[ReceivedSpan]:
    return [
        s for s in spans if s.service == "peerlink-notifications" and s.span.name == "deliver email"
    ]


async def spans_of(
    received: Receiver,
    trace_id: str,
    *,
    until: object,
    timeout: float = 30.0,
) -> list[ReceivedSpan]:
    """The spans of one trace, once `until` finds what it needs in them."""
    assert callable(until)
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        spans = [span for span in received.received() if span.trace_id == trace_id]
        if until(spans) or asyncio.get_running_loop().time() > deadline:
            return spans
        await asyncio.sleep(0.3)
