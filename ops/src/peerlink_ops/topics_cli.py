"""`peerlink-topics create|list|acls|add-clinic`: creates the catalogue's topics and their
ACLs (as the admin principal); lists them; prints every principal's ACLs; adds a clinic
system's inbound topic and its ACLs. Used by compose and scripts.

    peerlink-topics create
    peerlink-topics add-clinic harbour-ehr
    peerlink-topics acls --clinic harbour-ehr
"""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path

from peerlink_shared.messaging.kafka_access import KafkaAccess, KafkaAccessError, kafka_from_args
from peerlink_shared.messaging.topics import (
    CATALOGUE,
    CLINIC_INBOUND_SPEC,
    Topics,
    dead_letter_topic,
    is_clinic_id,
)

from peerlink_ops.kafka_acls import catalogue_grants, clinic_grants, clinic_principal
from peerlink_ops.kafka_users import set_scram_password
from peerlink_ops.topics_admin import provision, provision_clinic

CLINIC_ID_RULE = (
    "1-40 lowercase letters, digits or '-', starting and ending with a letter or digit, "
    "and not 'dlq'"
)


def main() -> None:
    parser = build_parser()
    args = parser.parse_args()
    topics = Topics(prefix=args.prefix)
    clinics = named_clinics(args)
    for clinic in clinics:
        if not is_clinic_id(clinic):
            parser.error(f"{clinic!r} cannot be a clinic id: {CLINIC_ID_RULE}")
    if args.command == "list":
        for spec in CATALOGUE:
            name = topics.name(spec.name)
            print(
                f"{name}\t{spec.partitions}\tkey={spec.key}\tby={spec.publisher}"
                f"\tretention={spec.retention_days}d"
            )
            print(
                f"{dead_letter_topic(name)}\t{spec.partitions}\tdead letters of {name}"
                f"\tretention={spec.dead_letter_retention_days}d"
            )
        inbound = topics.clinic_inbound_address
        print(
            f"{inbound}\t{CLINIC_INBOUND_SPEC.partitions}\tkey={CLINIC_INBOUND_SPEC.key}"
            f"\tby={CLINIC_INBOUND_SPEC.publisher}\tretention={CLINIC_INBOUND_SPEC.retention_days}d"
            f" (dead letters {CLINIC_INBOUND_SPEC.dead_letter_retention_days}d)"
            "\t(one per clinic: add-clinic)"
        )
        return
    if args.command == "acls":
        for rule in catalogue_grants(topics):
            print(rule)
        for clinic in clinics:
            for rule in clinic_grants(topics, clinic):
                print(rule)
        return
    try:
        kafka = kafka_from_args(args.bootstrap)
    except KafkaAccessError as bad:
        parser.error(str(bad))
    password = None
    if args.command == "add-clinic" and args.password_file:
        try:
            password = Path(args.password_file).read_text().strip()
        except OSError as error:
            parser.error(f"--password-file: {error.strerror}")
        if not password:
            parser.error("--password-file is empty")
    if password and kafka.security_protocol == "PLAINTEXT":
        parser.error("--password-file needs SASL_SSL: a PLAINTEXT broker has no logins")
    created = asyncio.run(create(args, kafka, topics, password=password))
    print(f"created {len(created)} topics" + (": " + ", ".join(created) if created else ""))
    if password:
        print(f"principal {clinic_principal(topics, args.clinic)} may log in")


def named_clinics(args: argparse.Namespace) -> list[str]:
    if args.command == "add-clinic":
        return [args.clinic]
    if args.command == "acls":
        return list(args.clinic or [])
    return []


async def create(
    args: argparse.Namespace, kafka: KafkaAccess, topics: Topics, *, password: str | None
) -> list[str]:
    if args.command != "add-clinic":
        return await provision(kafka, topics, replication_factor=args.replication_factor)
    created = await provision_clinic(
        kafka, topics, args.clinic, replication_factor=args.replication_factor
    )
    if password:
        await set_scram_password(kafka, clinic_principal(topics, args.clinic), password)
    return created


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--bootstrap", default=os.environ.get("PEERLINK_KAFKA_BOOTSTRAP"))
    common.add_argument("--prefix", default=os.environ.get("PEERLINK_TOPIC_PREFIX", ""))
    common.add_argument("--replication-factor", type=int, default=1)
    parser = argparse.ArgumentParser(prog="peerlink-topics")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("create", parents=[common], help="the catalogue's topics and ACLs")
    commands.add_parser("list", parents=[common], help="the catalogue")
    acls = commands.add_parser("acls", parents=[common], help="every principal's ACLs")
    acls.add_argument("--clinic", action="append", help="also this clinic's (repeatable)")
    adding = commands.add_parser(
        "add-clinic",
        parents=[common],
        help="a clinic system's inbound topic, clinic-inbound.<clinic>, its .dlq and ACLs",
        description="Creates clinic-inbound.<clinic> and clinic-inbound.<clinic>.dlq, lets "
        "the principal clinic-<clinic> write the first (and nothing else) and intake read it "
        "and write the second (all under the prefix); with --password-file, creates that "
        "principal's SCRAM user. Then register the centres the clinic may act for with "
        "intake: PUT /clinics/<clinic>.",
    )
    adding.add_argument("clinic", help=f"the clinic's id ({CLINIC_ID_RULE}), e.g. harbour-ehr")
    adding.add_argument(
        "--password-file",
        help="also create the clinic's SCRAM user (or change its password) with this password",
    )
    return parser
