"""A service's subscription table: each topic (or pattern of topics) it reads, and the route of
every event type it handles there. The consumer is subscribed from it, and the AsyncAPI
document's receive channels are derived from it (`asyncapi_channels`), so the two cannot
disagree."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from peerlink_shared.contracts import Payload
from peerlink_shared.messaging.consumer import MAX_POLL_INTERVAL_MS, EventConsumer, Route


@dataclass(frozen=True)
class Subscription:
    """`strict`: a type with no route here is refused (untrusted topics), instead of ignored
    as another service's concern (internal topics)."""

    topic: str | re.Pattern[str]
    routes: Sequence[Route]
    strict: bool = False
    max_poll_interval_ms: int = MAX_POLL_INTERVAL_MS

    @property
    def payloads(self) -> tuple[type[Payload], ...]:
        return tuple(item.model for item in self.routes)


def subscribe_all(
    consumer: EventConsumer, subscriptions: Iterable[Subscription], *, group_id: str
) -> None:
    """Subscribes the service's one consumer group to every topic of its table."""
    for item in subscriptions:
        consumer.subscribe(
            topic=item.topic,
            group_id=group_id,
            routes=item.routes,
            strict=item.strict,
            max_poll_interval_ms=item.max_poll_interval_ms,
        )
