"""What the ops pages read and do on Kafka, as the `ops` principal: each service group's lag,
the dead letters by reason, their metadata (never a body), and replays. The same library
calls as `peerlink-dlq`, so the console and the CLI cannot disagree."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from peerlink_ops.dead_letter_kafka import partitions_of, publish_replays, read_dead_letters
from peerlink_ops.dead_letter_replay import (
    NotReplayable,
    Replay,
    chosen,
    dead_letter_topics,
    plan_replay,
)
from peerlink_ops.dead_letter_view import DeadLetterView, TopicSummary, view
from peerlink_ops.kafka_acls import SUBSCRIPTIONS, consumer_group
from peerlink_ops.topics_admin import clinic_dead_letter_topics
from peerlink_shared.messaging.kafka_access import KafkaAccess
from peerlink_shared.messaging.topics import Topics

REPLAY_CHUNK = 100


@dataclass(frozen=True)
class TopicLag:
    topic: str
    lag: int


@dataclass(frozen=True)
class GroupLag:
    service: str
    group: str
    topics: list[TopicLag]
    committed: bool  # False: the group has committed nothing yet

    @property
    def total(self) -> int:
        return sum(item.lag for item in self.topics)


@dataclass(frozen=True)
class Replayed:
    count: int
    targets: list[str]
    refused: list[str]  # positions that cannot be replayed, with why; nothing sent then


class OpsKafka:
    def __init__(self, *, kafka: KafkaAccess, topics: Topics) -> None:
        self._kafka = kafka
        self._topics = topics

    async def lag(self) -> list[GroupLag]:
        """Each service group's lag on every partition it committed (intake's clinic topics
        too, found through its commits); a group with no commits shows its subscriptions."""
        admin = AIOKafkaAdminClient(**self._kafka.client_options())
        consumer = AIOKafkaConsumer(**self._kafka.client_options(), enable_auto_commit=False)
        await admin.start()
        await consumer.start()
        try:
            found = []
            for service in SUBSCRIPTIONS:
                group = consumer_group(self._topics.prefix, service)
                offsets = await admin.list_consumer_group_offsets(group)
                ends = await consumer.end_offsets(list(offsets)) if offsets else {}
                lag: Counter[str] = Counter()
                for part, committed in offsets.items():
                    lag[part.topic] += max(0, ends[part] - max(committed.offset, 0))
                if not offsets:
                    lag.update({name: 0 for name in self._subscribed(service)})
                found.append(
                    GroupLag(
                        service=service,
                        group=group,
                        topics=[TopicLag(topic, lag[topic]) for topic in sorted(lag)],
                        committed=bool(offsets),
                    )
                )
            return found
        finally:
            await consumer.stop()
            await admin.close()

    def _subscribed(self, service: str) -> list[str]:
        return [self._topics.name(base) for base in SUBSCRIPTIONS[service]]

    async def dead_letter_topics(self) -> list[str]:
        return dead_letter_topics(self._topics) + await clinic_dead_letter_topics(
            kafka=self._kafka, topics=self._topics
        )

    async def summaries(self, names: Sequence[str]) -> list[TopicSummary]:
        found = {name: TopicSummary(name) for name in names}
        async for letter in read_dead_letters(self._kafka, names):
            found[letter.topic].add(letter)
        return list(found.values())

    async def letters(self, name: str, *, reason: str | None, limit: int) -> list[DeadLetterView]:
        views = [
            view(letter)
            async for letter in read_dead_letters(self._kafka, [name])
            if chosen(letter, reason=reason)
        ]
        views.sort(key=lambda item: (item.timestamp, item.dlq_partition, item.dlq_offset))
        return views[:limit]

    async def replay(self, name: str, *, reason: str | None) -> Replayed:
        """All or nothing, as `peerlink-dlq replay`: one letter that cannot be replayed and
        none is."""
        letters = [
            letter
            async for letter in read_dead_letters(self._kafka, [name])
            if chosen(letter, reason=reason)
        ]
        letters.sort(key=lambda letter: (letter.partition, letter.offset))
        plans = [plan_replay(letter, topics=self._topics) for letter in letters]
        refused = [f"{p.position}: {p.why}" for p in plans if isinstance(p, NotReplayable)]
        replays = [plan for plan in plans if isinstance(plan, Replay)]
        targets = sorted({item.topic for item in replays})
        if refused or not replays:
            return Replayed(0, targets, refused)
        await partitions_of(self._kafka, targets)
        await publish_replays(self._kafka, replays, every=REPLAY_CHUNK, on_progress=lambda _: None)
        return Replayed(len(replays), targets, [])
