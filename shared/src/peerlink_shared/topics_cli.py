"""`peerlink-topics create|list|acls`: creates the catalogue's topics and their ACLs (as the
admin principal); lists them; prints every principal's ACLs. Used by compose and scripts."""

from __future__ import annotations

import argparse
import asyncio
import os

from peerlink_shared.kafka_access import KafkaAccessError, kafka_from_args
from peerlink_shared.kafka_acls import catalogue_grants
from peerlink_shared.topics import CATALOGUE, Topics, dead_letter_topic
from peerlink_shared.topics_admin import provision


def main() -> None:
    parser = argparse.ArgumentParser(prog="peerlink-topics")
    parser.add_argument("command", choices=["create", "list", "acls"])
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
    if args.command == "acls":
        for rule in catalogue_grants(topics):
            print(rule)
        return
    try:
        kafka = kafka_from_args(args.bootstrap)
    except KafkaAccessError as bad:
        parser.error(str(bad))
    created = asyncio.run(provision(kafka, topics, replication_factor=args.replication_factor))
    print(f"created {len(created)} topics" + (": " + ", ".join(created) if created else ""))
