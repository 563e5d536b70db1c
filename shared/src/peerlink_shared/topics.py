"""The topic catalogue, in one place: names, partitions, keys and who publishes.

Topics are created explicitly (`peerlink-topics create`), never by auto-creation, with
several partitions so every service can scale out in its consumer group.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PARTITIONS = 6
DEAD_LETTER_SUFFIX = ".dlq"


@dataclass(frozen=True)
class TopicSpec:
    name: str
    key: str
    publisher: str
    description: str
    partitions: int = DEFAULT_PARTITIONS


CATALOGUE: tuple[TopicSpec, ...] = (
    TopicSpec(
        "clinic-inbound",
        "person id",
        "clinic systems",
        "Untrusted person facts from other clinic systems; intake validates and records them.",
    ),
    TopicSpec("centre-events", "centre id", "intake", "Centres registered or changed."),
    TopicSpec("person-events", "person id", "intake", "Facts about a person, in order."),
    TopicSpec("policy-events", "centre id", "eligibility", "Centre policy versions."),
    TopicSpec("eligibility-changes", "person id", "eligibility", "Decisions that changed."),
    TopicSpec("session-events", "session id", "scheduling", "Sessions and assignments."),
    TopicSpec(
        "notification-events",
        "recipient id",
        "notifications",
        "Messages recorded, delivered or failed.",
    ),
)


@dataclass(frozen=True)
class Topics:
    """Concrete topic names under a prefix (empty in production; unique per test run)."""

    prefix: str = ""

    def name(self, base: str) -> str:
        if base not in {spec.name for spec in CATALOGUE}:
            raise KeyError(f"{base!r} is not in the topic catalogue")
        return f"{self.prefix}{base}"

    @property
    def clinic_inbound(self) -> str:
        return self.name("clinic-inbound")

    @property
    def policy_events(self) -> str:
        return self.name("policy-events")

    @property
    def centre_events(self) -> str:
        return self.name("centre-events")

    @property
    def person_events(self) -> str:
        return self.name("person-events")

    @property
    def eligibility_changes(self) -> str:
        return self.name("eligibility-changes")

    @property
    def session_events(self) -> str:
        return self.name("session-events")

    @property
    def notification_events(self) -> str:
        return self.name("notification-events")

    def all_with_dead_letters(self) -> list[tuple[str, int]]:
        """Every topic and its dead-letter topic, with partition counts."""
        names: list[tuple[str, int]] = []
        for spec in CATALOGUE:
            names.append((self.name(spec.name), spec.partitions))
            names.append((dead_letter_topic(self.name(spec.name)), spec.partitions))
        return names


def dead_letter_topic(topic: str) -> str:
    return f"{topic}{DEAD_LETTER_SUFFIX}"
