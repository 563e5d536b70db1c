"""Which dead letters to replay, and where: back to the topic they were refused from, only
if it is in the catalogue or is a clinic's inbound topic (a replay goes back to the clinic
it came from, so it keeps its sender). Pure: the publishing is in `dead_letter_kafka`."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from peerlink_shared.messaging.dead_letter_headers import (
    ORIGINAL_TOPIC_HEADER,
    REPLAYED_FROM_HEADER,
)
from peerlink_shared.messaging.topics import (
    CATALOGUE,
    CLINIC_INBOUND,
    DEAD_LETTER_SUFFIX,
    Topics,
    dead_letter_topic,
)

from peerlink_ops.dead_letter_view import DeadLetter, parse_body


def event_id_of(letter: DeadLetter) -> str | None:
    _, document = parse_body(letter.value)
    event_id = (document or {}).get("id")
    return event_id if isinstance(event_id, str) else None


def chosen(
    letter: DeadLetter, *, reason: str | None = None, event_ids: Collection[str] = ()
) -> bool:
    """Has this reason code (if one is given) and one of these event ids (if any are)."""
    if reason is not None and letter.reason_code != reason:
        return False
    return not event_ids or event_id_of(letter) in event_ids


@dataclass(frozen=True)
class Replay:
    """The original bytes and key, unchanged, back to the original topic, with a trace."""

    topic: str
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...]


@dataclass(frozen=True)
class NotReplayable:
    position: str
    why: str


def plan_replay(letter: DeadLetter, *, topics: Topics) -> Replay | NotReplayable:
    original = letter.header(ORIGINAL_TOPIC_HEADER)
    if original is None:
        return NotReplayable(letter.position, f"no {ORIGINAL_TOPIC_HEADER} header")
    if not replayable(original, topics=topics):
        return NotReplayable(letter.position, f"{original!r} is not in the topic catalogue")
    if dead_letter_topic(original) != letter.topic:
        # A header naming another topic than the one this letter was dead-lettered from is
        # not trusted to route events into it.
        return NotReplayable(letter.position, f"{original!r} is not the source of {letter.topic}")
    return Replay(
        topic=original,
        key=letter.key,
        value=letter.value,
        headers=((REPLAYED_FROM_HEADER, letter.position.encode()),),
    )


def catalogue_topics(topics: Topics) -> list[str]:
    return [topics.name(spec.name) for spec in CATALOGUE]


def replayable(topic: str, *, topics: Topics) -> bool:
    return topic in catalogue_topics(topics) or topics.clinic_of(topic) is not None


def dead_letter_topics(topics: Topics) -> list[str]:
    """The catalogue's dead-letter topics (the clinics' are found on the broker)."""
    return [dead_letter_topic(name) for name in catalogue_topics(topics)]


def resolve_dead_letter_topic(given: str, *, topics: Topics) -> str:
    """Accepts a catalogue topic (`person-events`) or a clinic's (`clinic-inbound.<clinic>`),
    its prefixed name, or either with `.dlq`; KeyError otherwise."""
    name = given.removesuffix(DEAD_LETTER_SUFFIX)
    for candidate in (name, f"{topics.prefix}{name}"):
        if replayable(candidate, topics=topics):
            return dead_letter_topic(candidate)
    if name == CLINIC_INBOUND:
        raise KeyError(f"{name!r} is one topic per clinic now: {CLINIC_INBOUND}.<clinic>")
    return dead_letter_topic(topics.name(name))
