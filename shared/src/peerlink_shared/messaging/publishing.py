"""One way to publish: a payload, its subject and what caused it, into the outbox.

Every service's use cases publish through a `Publisher`; it builds the CloudEvents envelope
(source, type, time, correlation and causation ids) and adds it to the outbox, which the relay
sends on after the write that caused it is stored. Whatever the outbox does to an envelope on
its way out (sealing a person's facts, carrying the trace context) happens below this line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from peerlink_shared.clock import Clock
from peerlink_shared.contracts.base import Payload
from peerlink_shared.messaging.envelope import Envelope, make_envelope, new_event_id


@dataclass(frozen=True)
class Cause:
    """What an event answers: the flow it belongs to and the event that caused it (none for
    the first event of a flow, such as a fact recorded over HTTP)."""

    correlation_id: str
    causation_id: str | None = None

    @classmethod
    def of(cls, envelope: Envelope) -> Cause:
        """The cause an event gives to the events handling it causes."""
        return cls(correlation_id=envelope.correlationid, causation_id=envelope.id)

    @classmethod
    def first(cls, correlation_id: str | None = None) -> Cause:
        """The start of a flow (a new correlation id unless the caller brought one)."""
        return cls(correlation_id=correlation_id or new_event_id())


@dataclass(frozen=True)
class Publication:
    """One event to publish: what it says, about whom, and its id (fixed by what caused it
    when a retried handler must reproduce it; new otherwise)."""

    payload: Payload
    subject: str
    event_id: str | None = None


class EventSink(Protocol):
    """What a publisher needs of the outbox (the real one, or a list in service tests)."""

    async def add(self, *, envelope: Envelope, topic: str) -> None: ...

    async def add_all(self, *, envelopes: Sequence[Envelope], topic: str) -> None: ...


class Publisher:
    """Publishes one service's events on one topic, through its outbox."""

    def __init__(self, *, sink: EventSink, source: str, topic: str, clock: Clock) -> None:
        self._sink = sink
        self._source = source
        self._topic = topic
        self._clock = clock

    @property
    def topic(self) -> str:
        return self._topic

    def envelope(self, publication: Publication, cause: Cause) -> Envelope:
        return make_envelope(
            event_id=publication.event_id or new_event_id(),
            source=self._source,
            event_type=publication.payload.event_type(),
            subject=publication.subject,
            time=self._clock.now(),
            data=publication.payload.model_dump(mode="json"),
            correlation_id=cause.correlation_id,
            causation_id=cause.causation_id,
        )

    async def publish(
        self, payload: Payload, *, subject: str, cause: Cause, event_id: str | None = None
    ) -> Envelope:
        envelope = self.envelope(Publication(payload, subject, event_id), cause)
        await self._sink.add(envelope=envelope, topic=self._topic)
        return envelope

    async def publish_all(
        self, publications: Sequence[Publication], cause: Cause
    ) -> list[Envelope]:
        """Several events of one cause, in one outbox write."""
        envelopes = [self.envelope(publication, cause) for publication in publications]
        if envelopes:
            await self._sink.add_all(envelopes=envelopes, topic=self._topic)
        return envelopes


def source_of(service: str) -> str:
    """The CloudEvents `source` of a PeerLink service's events."""
    return f"/peerlink/{service}"
