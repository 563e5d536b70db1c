"""`peerlink-dlq list|inspect|replay`: dead letters for on-call engineers.

    peerlink-dlq list
    peerlink-dlq inspect --topic clinic-inbound.harbour-ehr --reason invalid_payload --limit 20
    peerlink-dlq replay --topic clinic-inbound.harbour-ehr --reason handler_failed --dry-run

Kafka and the topic prefix come from PEERLINK_KAFKA_BOOTSTRAP and PEERLINK_TOPIC_PREFIX, as
for `peerlink-topics`. Nothing here prints an event's `data`: it may be health data.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict
from typing import TextIO

from aiokafka.errors import KafkaError
from peerlink_shared.messaging.dead_letters import ReasonCode
from peerlink_shared.messaging.kafka_access import KafkaAccess, KafkaAccessError, kafka_from_args
from peerlink_shared.messaging.topics import Topics

from peerlink_ops.dead_letter_kafka import (
    MissingTopics,
    partitions_of,
    publish_replays,
    read_dead_letters,
)
from peerlink_ops.dead_letter_replay import (
    NotReplayable,
    Replay,
    chosen,
    dead_letter_topics,
    plan_replay,
    resolve_dead_letter_topic,
)
from peerlink_ops.dead_letter_text import counts, line, summary_table
from peerlink_ops.dead_letter_view import TopicSummary, view
from peerlink_ops.topics_admin import clinic_dead_letter_topics

REPLAY_HELP = """Re-publishes the selected dead letters' original bytes, unchanged, with their
original key, to the topic they were refused from, adding the header x-dlq-replayed-from
(dlq topic:partition:offset). Replaying is safe to repeat: services drop an event whose id
they have already handled. An event refused for a lasting reason is refused again and lands
on the dead-letter topic a second time; fix the cause first. Dead letters stay on the
dead-letter topic (Kafka is append-only)."""


def main() -> None:
    sys.exit(asyncio.run(run(sys.argv[1:], out=sys.stdout, err=sys.stderr)))


async def run(argv: Sequence[str], *, out: TextIO, err: TextIO) -> int:
    """The whole command, in process; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        kafka = kafka_from_args(args.bootstrap)
    except KafkaAccessError as bad:
        parser.error(str(bad))
    topics = Topics(prefix=args.prefix)
    try:
        names = [] if args.topic is None else [resolve_dead_letter_topic(args.topic, topics=topics)]
    except KeyError as unknown:
        print(f"error: {unknown.args[0]}", file=err)
        return 1
    try:
        if not names:
            names = dead_letter_topics(topics) + await clinic_dead_letter_topics(
                kafka=kafka, topics=topics
            )
        if args.command == "list":
            return await list_dead_letters(kafka, names, as_json=args.json, out=out)
        if args.command == "inspect":
            return await inspect(
                kafka,
                names[0],
                reason=args.reason,
                limit=args.limit,
                as_json=args.json,
                out=out,
            )
        return await replay(
            kafka,
            names[0],
            topics=topics,
            reason=args.reason,
            event_ids=args.event_id,
            dry_run=args.dry_run,
            every=args.progress_every,
            out=out,
            err=err,
        )
    except MissingTopics as missing:
        print(f"error: no such topic (is the prefix right?): {missing}", file=err)
    except (KafkaError, TimeoutError) as error:
        print(f"error: Kafka: {error!r}", file=err)
    return 1


async def list_dead_letters(
    kafka: KafkaAccess, names: Sequence[str], *, as_json: bool, out: TextIO
) -> int:
    summaries = {name: TopicSummary(name) for name in names}
    async for letter in read_dead_letters(kafka, names):
        summaries[letter.topic].add(letter)
    if as_json:
        print(json.dumps([item.as_dict() for item in summaries.values()], indent=2), file=out)
    else:
        print("\n".join(summary_table(summaries.values())), file=out)
    return 0


async def inspect(
    kafka: KafkaAccess,
    name: str,
    *,
    reason: str | None,
    limit: int | None,
    as_json: bool,
    out: TextIO,
) -> int:
    # Views only (no bodies) are kept, so even a large topic fits in memory.
    views = [
        view(letter)
        async for letter in read_dead_letters(kafka, [name])
        if chosen(letter, reason=reason)
    ]
    views.sort(key=lambda item: (item.timestamp, item.dlq_partition, item.dlq_offset))
    for item in views[:limit]:
        print(json.dumps(asdict(item)) if as_json else line(item), file=out)
    return 0


async def replay(
    kafka: KafkaAccess,
    name: str,
    *,
    topics: Topics,
    reason: str | None,
    event_ids: Sequence[str],
    dry_run: bool,
    every: int,
    out: TextIO,
    err: TextIO,
) -> int:
    wanted = frozenset(event_ids)
    letters = [
        letter
        async for letter in read_dead_letters(kafka, [name])
        if chosen(letter, reason=reason, event_ids=wanted)
    ]
    # Per partition in offset order: letters of one key share a partition, so their order holds.
    letters.sort(key=lambda letter: (letter.partition, letter.offset))
    plans = [plan_replay(letter, topics=topics) for letter in letters]
    refused = [plan for plan in plans if isinstance(plan, NotReplayable)]
    for item in refused:
        print(f"error: cannot replay {item.position}: {item.why}", file=err)
    if refused:
        print(f"nothing replayed: {len(refused)} of {len(plans)} cannot be replayed", file=err)
        return 1
    replays = [plan for plan in plans if isinstance(plan, Replay)]
    reasons = counts(Counter(letter.reason_code for letter in letters))
    targets = ", ".join(sorted({item.topic for item in replays})) or "-"
    if dry_run:
        for letter in letters:
            print(line(view(letter)), file=out)
        print(
            f"dry run: would replay {len(replays)} from {name} to {targets} ({reasons}); "
            "nothing published",
            file=out,
        )
        return 0
    if not replays:
        print(f"nothing to replay on {name}", file=out)
        return 0
    await partitions_of(kafka, sorted({item.topic for item in replays}))
    print(f"replaying {len(replays)} from {name} to {targets} ({reasons})", file=out, flush=True)
    done = 0

    def progress(count: int) -> None:
        nonlocal done
        done = count
        print(f"replayed {count}/{len(replays)}", file=out, flush=True)

    try:
        await publish_replays(kafka, replays, every=every, on_progress=progress)
    except (KafkaError, TimeoutError) as error:
        print(f"error: replay stopped after {done}/{len(replays)}: {error!r}", file=err)
        print("replaying again is safe: services drop events they already handled", file=err)
        return 1
    print(f"done: replayed {done} of {len(replays)} to {targets}", file=out)
    return 0


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--bootstrap", default=os.environ.get("PEERLINK_KAFKA_BOOTSTRAP"))
    common.add_argument("--prefix", default=os.environ.get("PEERLINK_TOPIC_PREFIX", ""))
    topic_help = (
        "a catalogue topic (person-events) or a clinic's (clinic-inbound.<clinic>), "
        "or its dead-letter topic (.dlq)"
    )
    reason_help = "only this reason code: " + ", ".join(code.value for code in ReasonCode)
    parser = argparse.ArgumentParser(
        prog="peerlink-dlq", description="Dead letters: list, inspect (no health data), replay."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser(
        "list", parents=[common], help="counts per reason and original topic"
    )
    listing.add_argument("--topic", help=topic_help)
    listing.add_argument("--json", action="store_true")
    inspecting = commands.add_parser(
        "inspect", parents=[common], help="one line per dead letter, metadata only"
    )
    inspecting.add_argument("--topic", required=True, help=topic_help)
    inspecting.add_argument("--reason", help=reason_help)
    inspecting.add_argument("--limit", type=positive, help="at most this many, oldest first")
    inspecting.add_argument("--json", action="store_true", help="one JSON object a line")
    replaying = commands.add_parser(
        "replay",
        parents=[common],
        help="back to the original topic",
        description=REPLAY_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    replaying.add_argument("--topic", required=True, help=topic_help)
    replaying.add_argument("--reason", help=reason_help)
    replaying.add_argument(
        "--event-id", nargs="+", default=[], help="only these envelope ids", metavar="ID"
    )
    replaying.add_argument("--dry-run", action="store_true", help="show what would be replayed")
    replaying.add_argument("--progress-every", type=positive, default=100, metavar="N")
    return parser


def positive(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number
