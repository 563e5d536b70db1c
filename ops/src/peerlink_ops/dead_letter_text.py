"""How `peerlink-dlq` prints summaries and dead letters for people (JSON is the other way)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict

from peerlink_ops.dead_letter_view import (
    DeadLetterView,
    TopicSummary,
    format_timestamp,
)


def summary_table(summaries: Iterable[TopicSummary]) -> list[str]:
    lines = [f"{'dead-letter topic':<40} {'letters':>8}  {'oldest':<29}  newest"]
    for item in summaries:
        oldest = "-" if item.oldest_ms is None else format_timestamp(item.oldest_ms)
        newest = "-" if item.newest_ms is None else format_timestamp(item.newest_ms)
        lines.append(f"{item.topic:<40} {item.count:>8}  {oldest:<29}  {newest}")
        if item.count:
            lines.append(f"    by reason: {counts(item.by_reason)}")
            lines.append(f"    by original topic: {counts(item.by_original_topic)}")
    return lines


def line(item: DeadLetterView) -> str:
    """One dead letter as `label=value` pairs; the reason is quoted, it may contain spaces."""
    fields = {
        "dlq": f"{item.dlq_topic}:{item.dlq_partition}:{item.dlq_offset}",
        "dead_lettered": item.timestamp,
        "reason_code": item.reason_code,
        "reason": json.dumps(item.reason),
        "from": f"{item.original_topic}:{item.original_partition}:{item.original_offset}",
        "key": item.key,
        "body": f"{item.body},{item.body_bytes}B",
        **({} if item.envelope is None else asdict(item.envelope)),
    }
    return " ".join(f"{label}={value}" for label, value in fields.items())


def counts(counter: Counter[str]) -> str:
    return ", ".join(f"{label}={count}" for label, count in counter.most_common())
