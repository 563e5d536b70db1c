"""`peerlink-topics create|list|add-clinic`: creates the catalogue's topics (compose and
scripts), lists them, and adds a clinic system's inbound topic.

    peerlink-topics create
    peerlink-topics add-clinic harbour-ehr
"""

from __future__ import annotations

import argparse
import asyncio
import os

from peerlink_shared.topics import (
    CATALOGUE,
    CLINIC_INBOUND_SPEC,
    Topics,
    dead_letter_topic,
    is_clinic_id,
)
from peerlink_shared.topics_admin import ensure_clinic_topics, ensure_topics


def main() -> None:
    parser = build_parser()
    args = parser.parse_args()
    topics = Topics(prefix=args.prefix)
    if args.command == "list":
        for spec in CATALOGUE:
            name = topics.name(spec.name)
            print(f"{name}\t{spec.partitions}\tkey={spec.key}\tby={spec.publisher}")
            print(f"{dead_letter_topic(name)}\t{spec.partitions}\tdead letters of {name}")
        inbound = f"{topics.prefix}{CLINIC_INBOUND_SPEC.name}"
        print(
            f"{inbound}\t{CLINIC_INBOUND_SPEC.partitions}\tkey={CLINIC_INBOUND_SPEC.key}"
            f"\tby={CLINIC_INBOUND_SPEC.publisher}\t(one per clinic: add-clinic)"
        )
        return
    if not args.bootstrap:
        parser.error("--bootstrap or PEERLINK_KAFKA_BOOTSTRAP is required")
    if args.command == "add-clinic":
        if not is_clinic_id(args.clinic):
            parser.error(
                f"{args.clinic!r} cannot be a clinic id: 1-40 lowercase letters, digits or '-', "
                "starting and ending with a letter or digit, and not 'dlq'"
            )
        created = asyncio.run(
            ensure_clinic_topics(
                bootstrap=args.bootstrap,
                topics=topics,
                clinic=args.clinic,
                replication_factor=args.replication_factor,
            )
        )
    else:
        created = asyncio.run(
            ensure_topics(
                bootstrap=args.bootstrap, topics=topics, replication_factor=args.replication_factor
            )
        )
    print(f"created {len(created)} topics" + (": " + ", ".join(created) if created else ""))


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--bootstrap", default=os.environ.get("PEERLINK_KAFKA_BOOTSTRAP"))
    common.add_argument("--prefix", default=os.environ.get("PEERLINK_TOPIC_PREFIX", ""))
    common.add_argument("--replication-factor", type=int, default=1)
    parser = argparse.ArgumentParser(prog="peerlink-topics")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("create", parents=[common], help="the catalogue's topics")
    commands.add_parser("list", parents=[common], help="the catalogue")
    adding = commands.add_parser(
        "add-clinic",
        parents=[common],
        help="a clinic system's inbound topic, clinic-inbound.<clinic>, and its .dlq",
        description="Creates clinic-inbound.<clinic> and clinic-inbound.<clinic>.dlq. Then "
        "give the clinic's Kafka principal WRITE on the first (and nothing else), and register "
        "the centres it may act for with intake: PUT /clinics/<clinic>.",
    )
    adding.add_argument("clinic", help="the clinic's id, e.g. harbour-ehr")
    return parser
