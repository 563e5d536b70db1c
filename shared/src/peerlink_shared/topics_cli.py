"""`peerlink-topics create|list`: creates the catalogue's topics; used by compose and scripts."""

from __future__ import annotations

import argparse
import asyncio
import os

from peerlink_shared.topics import CATALOGUE, Topics, dead_letter_topic
from peerlink_shared.topics_admin import ensure_topics


def main() -> None:
    parser = argparse.ArgumentParser(prog="peerlink-topics")
    parser.add_argument("command", choices=["create", "list"])
    parser.add_argument("--bootstrap", default=os.environ.get("PEERLINK_KAFKA_BOOTSTRAP"))
    parser.add_argument("--prefix", default=os.environ.get("PEERLINK_TOPIC_PREFIX", ""))
    parser.add_argument("--replication-factor", type=int, default=1)
    args = parser.parse_args()
    topics = Topics(prefix=args.prefix)
    if args.command == "list":
        for spec in CATALOGUE:
            name = topics.name(spec.name)
            print(f"{name}\t{spec.partitions}\tkey={spec.key}\tby={spec.publisher}")
            print(f"{dead_letter_topic(name)}\t{spec.partitions}\tdead letters of {name}")
        return
    if not args.bootstrap:
        parser.error("--bootstrap or PEERLINK_KAFKA_BOOTSTRAP is required")
    created = asyncio.run(
        ensure_topics(
            bootstrap=args.bootstrap, topics=topics, replication_factor=args.replication_factor
        )
    )
    print(f"created {len(created)} topics" + (": " + ", ".join(created) if created else ""))
