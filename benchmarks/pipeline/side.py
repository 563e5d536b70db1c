"""What the sweep needs from either side: its topics, its consumer groups, a way to start and
stop it, and a fresh population for each step."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from peerlink_shared.messaging.kafka_access import KafkaAccess
from peerlink_shared.messaging.topics import Topics

from benchmarks.pipeline.observe import Events
from benchmarks.pipeline.population import Population


class Side(Protocol):
    name: str
    kafka: KafkaAccess  # the broker and login its clients use
    topics: Topics
    # Every consumer group of the side and the topics it reads: all of them must be caught up
    # for the side to be idle.
    groups: dict[str, list[str]]
    database_prefix: str  # what precedes a service's or hop's name in its database's name
    ops_dir: Path  # where its processes count their database commands
    events: Events | None  # opens its sealed events; None where nothing is sealed

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def dead(self) -> list[str]: ...

    async def populate(self, step: int, graduates: int) -> Population: ...
