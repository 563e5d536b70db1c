"""The one publisher: envelopes built the same way for every service, into the outbox."""

from __future__ import annotations

from datetime import UTC, datetime

from peerlink_shared.contracts.person import RelapseRecorded
from peerlink_shared.messaging.envelope import make_envelope
from peerlink_shared.messaging.publishing import Cause, Publication, Publisher, source_of

from tests.fakes.clock import MovableClock
from tests.fakes.outbox import RecordingOutbox

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def relapse(person: str = "p-1") -> RelapseRecorded:
    return RelapseRecorded(person_id=person, centre_id="c-1", relapsed_on=NOW.date())


def publisher(outbox: RecordingOutbox) -> Publisher:
    return Publisher(
        sink=outbox, source=source_of("intake"), topic="person-events", clock=MovableClock(NOW)
    )


async def test_an_event_carries_its_type_subject_source_time_and_cause() -> None:
    outbox = RecordingOutbox()
    cause = Cause(correlation_id="corr-1", causation_id="evt-0")
    sent = await publisher(outbox).publish(relapse(), subject="p-1", cause=cause, event_id="e-1")
    assert outbox.on("person-events") == [sent]
    assert (sent.id, sent.type, sent.subject, sent.source) == (
        "e-1",
        "peerlink.person.relapse-recorded.v1",
        "p-1",
        "/peerlink/intake",
    )
    assert (sent.time, sent.correlationid, sent.causationid) == (NOW, "corr-1", "evt-0")
    assert sent.data["relapsed_on"] == "2026-11-30"


async def test_the_cause_of_a_handled_event_is_that_event() -> None:
    handled = make_envelope(
        event_id="evt-9",
        source="/x",
        event_type="t.v1",
        subject="p-1",
        time=NOW,
        data={},
        correlation_id="corr-9",
    )
    assert Cause.of(handled) == Cause(correlation_id="corr-9", causation_id="evt-9")


async def test_a_first_event_starts_a_flow_and_gets_a_new_id_when_none_is_fixed() -> None:
    outbox = RecordingOutbox()
    one = await publisher(outbox).publish(relapse(), subject="p-1", cause=Cause.first())
    two = await publisher(outbox).publish(relapse(), subject="p-1", cause=Cause.first())
    assert one.id != two.id and one.correlationid != two.correlationid
    assert one.causationid is None


async def test_several_events_of_one_cause_go_in_one_write_and_nothing_for_none() -> None:
    outbox = RecordingOutbox()
    cause = Cause.first("corr-2")
    sent = await publisher(outbox).publish_all(
        [Publication(relapse("p-1"), "p-1", "e-1"), Publication(relapse("p-2"), "p-2", "e-2")],
        cause,
    )
    assert (
        [e.subject for e in outbox.on("person-events")]
        == ["p-1", "p-2"]
        == [e.subject for e in sent]
    )
    assert await publisher(outbox).publish_all([], cause) == []
    assert len(outbox.added) == 2
