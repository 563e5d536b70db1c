"""The topic catalogue, in one place: names, partitions, keys, who publishes and which event
types travel on each (the AsyncAPI documents' send channels are derived from it).

Topics are created explicitly (`peerlink-topics create`), never by auto-creation, with
several partitions so every service can scale out in its consumer group.

Besides the catalogue, each clinic system has an inbound topic of its own,
`clinic-inbound.<clinic>` (created by `peerlink-topics add-clinic <clinic>`), which only
that clinic's Kafka principal may write: the topic an event arrived on says, unforgeably,
which clinic sent it. Intake reads them all through one pattern subscription.

Retention is explicit per topic (`retention.ms`, set at creation and brought back to the
catalogue's value by every `create`): topics carry events between services, they are not
the record (each service's database is), so they keep a month — long enough to ride out
an outage or a consumer group's re-read — and dead-letter topics, which hold what failed
until someone inspects or replays it, keep two weeks. docs/privacy.md lists every store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from peerlink_shared import contracts as c

DEFAULT_PARTITIONS = 6
DAY_MS = 24 * 60 * 60 * 1000
EVENT_RETENTION_DAYS = 30
DEAD_LETTER_RETENTION_DAYS = 14
DEAD_LETTER_SUFFIX = ".dlq"
# A topic every service writes (each its own events on it).
EVERY_SERVICE = "every service"
CLINIC_INBOUND = "clinic-inbound"
# Lowercase like a DNS label: it is part of a topic name and of the clinic's principal.
# No '.' (the pattern must never match a `.dlq` topic) and no '_' (Kafka warns that topic
# names differing only by '.' and '_' collide in its metrics).
CLINIC_ID_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$"
# `clinic-inbound.dlq` is the old shared topic's dead-letter topic: it must never be taken
# for the inbound topic of a clinic called "dlq".
RESERVED_CLINIC_IDS = frozenset({"dlq"})


@dataclass(frozen=True)
class TopicSpec:
    name: str
    key: str
    publisher: str
    description: str
    partitions: int = DEFAULT_PARTITIONS
    retention_days: int = EVENT_RETENTION_DAYS
    dead_letter_retention_days: int = DEAD_LETTER_RETENTION_DAYS
    payloads: tuple[type[c.Payload], ...] = ()  # the event types its publisher sends on it

    def __post_init__(self) -> None:
        if not 0 < self.dead_letter_retention_days < self.retention_days:
            raise ValueError(f"{self.name}: dead letters must be kept less long than events")


class PlannedTopic(NamedTuple):
    """A concrete topic as `peerlink-topics create` makes it."""

    name: str
    partitions: int
    retention_ms: int


CATALOGUE: tuple[TopicSpec, ...] = (
    TopicSpec(
        "centre-events",
        "centre id",
        "intake",
        "Centres registered or changed.",
        payloads=(c.CentreRegistered,),
    ),
    TopicSpec(
        "person-events",
        "person id",
        "intake",
        "Facts about a person, in order.",
        payloads=(*c.PERSON_FACTS, *c.LINK_FACTS),
    ),
    TopicSpec(
        "policy-events",
        "centre id",
        "eligibility",
        "Centre policy versions.",
        payloads=(c.PolicyChanged,),
    ),
    TopicSpec(
        "eligibility-changes",
        "person id",
        "eligibility",
        "Decisions that changed.",
        payloads=(c.EligibilityChanged,),
    ),
    TopicSpec(
        "session-events",
        "session id",
        "scheduling",
        "Sessions and assignments.",
        payloads=(
            c.SessionRequested,
            c.MeetingRequested,
            c.SessionCancelled,
            c.SupporterAssigned,
            c.SupporterUnassigned,
            c.SessionFilled,
            c.SessionUnfilled,
        ),
    ),
    TopicSpec(
        "notification-events",
        "recipient id",
        "notifications",
        "Messages recorded, delivered or failed.",
        payloads=(c.MessageRecorded, c.MessageDelivered, c.MessageDeliveryFailed),
    ),
    # Apart from person-events: notifications must hear erasures but never a person's facts.
    TopicSpec(
        "person-erasure",
        "person id",
        "intake",
        "Requests to erase a person: every service deletes what it holds about them.",
        payloads=(c.PersonErasureRequested,),
    ),
    # Each service confirms on this one; only intake reads it.
    TopicSpec(
        "person-erased",
        "person id",
        EVERY_SERVICE,
        "Each service's confirmation that it erased a person, with what it deleted.",
        payloads=(c.PersonErased,),
    ),
)
# Not in the catalogue: one per clinic, created when the clinic is added.
CLINIC_INBOUND_SPEC = TopicSpec(
    f"{CLINIC_INBOUND}.{{clinic}}",
    "person id",
    "the clinic system <clinic>, and only it",
    "Untrusted person facts from one clinic system; intake validates them, checks that the "
    "clinic may act for the person's centres, and records them.",
    # Untrusted raw input that intake records within seconds: kept shorter than the rest.
    retention_days=14,
    dead_letter_retention_days=7,
    payloads=c.PERSON_FACTS,
)
# Nothing may stay on a topic longer than this (the inbox must remember events longer).
LONGEST_TOPIC_RETENTION_DAYS = max(
    spec.retention_days for spec in (*CATALOGUE, CLINIC_INBOUND_SPEC)
)
LONGEST_DEAD_LETTER_RETENTION_DAYS = max(
    spec.dead_letter_retention_days for spec in (*CATALOGUE, CLINIC_INBOUND_SPEC)
)


def is_clinic_id(clinic: str) -> bool:
    return re.fullmatch(CLINIC_ID_PATTERN, clinic) is not None and clinic not in RESERVED_CLINIC_IDS


class _CatalogueTopic:
    """`Topics.person_events` and the like: the concrete name of the catalogue topic the
    attribute is named after (`_` for `-`), under the instance's prefix."""

    def __set_name__(self, owner: type[object], name: str) -> None:
        self.base = name.replace("_", "-")
        if self.base not in {spec.name for spec in CATALOGUE}:
            raise KeyError(f"{self.base!r} is not in the topic catalogue")

    def __get__(self, topics: Topics, owner: type[Topics] | None = None) -> str:
        return topics.name(self.base)


@dataclass(frozen=True)
class Topics:
    """Concrete topic names under a prefix (empty in production; unique per test run)."""

    prefix: str = ""

    def name(self, base: str) -> str:
        if base not in {spec.name for spec in CATALOGUE}:
            raise KeyError(f"{base!r} is not in the topic catalogue")
        return f"{self.prefix}{base}"

    def catalogue_name(self, topic: str) -> str:
        """The catalogue entry of a concrete topic name under this prefix; KeyError else."""
        base = topic.removeprefix(self.prefix)
        if base == topic and self.prefix:
            raise KeyError(f"{topic!r} is not under the prefix {self.prefix!r}")
        self.name(base)
        return base

    def clinic_inbound(self, clinic: str) -> str:
        """The inbound topic of one clinic system; ValueError for an id that cannot be one."""
        if not is_clinic_id(clinic):
            raise ValueError(
                "a clinic id is 1-40 lowercase letters, digits or '-', starting and ending "
                f"with a letter or digit, and not one of {sorted(RESERVED_CLINIC_IDS)}"
            )
        return f"{self.prefix}{CLINIC_INBOUND}.{clinic}"

    @property
    def clinic_inbound_address(self) -> str:
        """The clinics' inbound topics as one address template, for documents."""
        return f"{self.prefix}{CLINIC_INBOUND_SPEC.name}"

    @property
    def clinic_inbound_pattern(self) -> re.Pattern[str]:
        """Every clinic's inbound topic under this prefix, and none of their dead-letter
        topics; the group `sender` is the clinic."""
        return self._clinic_topics(suffix="")

    def clinic_dead_letters_pattern(self) -> re.Pattern[str]:
        """The dead-letter topics of every clinic's inbound topic under this prefix."""
        return self._clinic_topics(suffix=DEAD_LETTER_SUFFIX)

    def clinic_of(self, topic: str) -> str | None:
        """The clinic whose inbound topic this is, or None."""
        found = self.clinic_inbound_pattern.match(topic)
        return None if found is None or not is_clinic_id(found["sender"]) else found["sender"]

    def _clinic_topics(self, *, suffix: str) -> re.Pattern[str]:
        # Kafka clients match a pattern from the start only, hence both anchors. No braces:
        # FastStream would read them as a path parameter.
        return re.compile(
            f"^{re.escape(self.prefix)}{CLINIC_INBOUND}\\."
            r"(?P<sender>(?!dlq(?:\.|$))[a-z0-9][a-z0-9-]*)"
            f"{re.escape(suffix)}$"
        )

    def clinic_with_dead_letters(self, clinic: str) -> list[tuple[str, int]]:
        """A clinic's inbound topic and its dead-letter topic, with partition counts."""
        inbound = self.clinic_inbound(clinic)
        partitions = CLINIC_INBOUND_SPEC.partitions
        return [(inbound, partitions), (dead_letter_topic(inbound), partitions)]

    def clinic_planned(self, clinic: str) -> list[PlannedTopic]:
        """A clinic's inbound topic and its dead-letter topic, as created."""
        return _planned(CLINIC_INBOUND_SPEC, self.clinic_inbound(clinic))

    def planned(self) -> list[PlannedTopic]:
        """Every catalogue topic and its dead-letter topic, as created."""
        return [topic for spec in CATALOGUE for topic in _planned(spec, self.name(spec.name))]

    policy_events = _CatalogueTopic()
    centre_events = _CatalogueTopic()
    person_events = _CatalogueTopic()
    eligibility_changes = _CatalogueTopic()
    session_events = _CatalogueTopic()
    notification_events = _CatalogueTopic()
    person_erasure = _CatalogueTopic()
    person_erased = _CatalogueTopic()

    def all_with_dead_letters(self) -> list[tuple[str, int]]:
        """Every topic and its dead-letter topic, with partition counts."""
        names: list[tuple[str, int]] = []
        for spec in CATALOGUE:
            names.append((self.name(spec.name), spec.partitions))
            names.append((dead_letter_topic(self.name(spec.name)), spec.partitions))
        return names


def _planned(spec: TopicSpec, name: str) -> list[PlannedTopic]:
    return [
        PlannedTopic(name, spec.partitions, spec.retention_days * DAY_MS),
        PlannedTopic(
            dead_letter_topic(name), spec.partitions, spec.dead_letter_retention_days * DAY_MS
        ),
    ]


def dead_letter_topic(topic: str) -> str:
    return f"{topic}{DEAD_LETTER_SUFFIX}"
