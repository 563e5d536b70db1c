"""Least privilege on the broker: which principal may do what, as Kafka ACLs.

One principal per service, named after it. Each may
- write the topics it publishes (the catalogue's `publisher`, or every service's: each
  service confirms erasures on `person-erased`) and the dead-letter topics of the topics it
  reads (a consumer dead-letters what it cannot handle);
- read only the topics it subscribes to;
- use only consumer groups named `<prefix>peerlink-<service>…` (a prefixed ACL).
`ops` runs the topic and dead-letter tools: it reads and writes (replays) every topic under
the prefix, describes their groups (lag), and may create topics; it may not change ACLs or
users. `admin` is the broker's own super user, for provisioning only.

Each clinic system is a principal of its own, `<prefix>clinic-<clinic>`, which may write its
inbound topic `<prefix>clinic-inbound.<clinic>` and nothing else: the topic names the
sender. Intake reads every clinic's topic (by pattern: it sees only those it may read) and
writes each one's dead-letter topic; both granted per clinic by `peerlink-topics add-clinic`.

Granted by `peerlink-topics create` (as admin), per topic prefix, so a test run's topics get
the same rules as production's. The broker refuses everything else
(`allow.everyone.if.no.acl.found=false`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from confluent_kafka.admin import (
    AclBinding,
    AclBindingFilter,
    AclOperation,
    AclPermissionType,
    AdminClient,
    ResourcePatternType,
    ResourceType,
)
from peerlink_shared.messaging.kafka_access import KafkaAccess
from peerlink_shared.messaging.topics import CATALOGUE, EVERY_SERVICE, Topics, dead_letter_topic

SERVICES = ("intake", "eligibility", "scheduling", "notifications")
OPS = "ops"
CLUSTER = "kafka-cluster"
TIMEOUT_SECONDS = 30.0

# What each service subscribes to: the one table the ACLs and lag checks are derived from.
# Intake's clinic topics are one per clinic, so they are granted per clinic (`clinic_grants`).
SUBSCRIPTIONS: Mapping[str, tuple[str, ...]] = {
    "intake": ("person-erasure", "person-erased"),
    "eligibility": ("person-events", "policy-events", "person-erasure"),
    "scheduling": ("eligibility-changes", "centre-events", "person-events", "person-erasure"),
    "notifications": ("centre-events", "session-events", "person-erasure"),
}


def consumer_group(prefix: str, service: str) -> str:
    return f"{prefix}peerlink-{service}"


def subscribed_topics(topics: Topics, service: str) -> list[str]:
    return [topics.name(base) for base in SUBSCRIPTIONS[service]]


def published_topics(topics: Topics, service: str) -> list[str]:
    return [
        topics.name(spec.name) for spec in CATALOGUE if spec.publisher in (service, EVERY_SERVICE)
    ]


@dataclass(frozen=True)
class Grant:
    """One allow rule: principal may `operation` on a resource (literal name or prefix)."""

    principal: str
    operation: str  # READ, WRITE, DESCRIBE, CREATE, ...
    resource: str  # TOPIC, GROUP, CLUSTER
    name: str
    pattern: str = "LITERAL"  # or PREFIXED

    def binding(self) -> AclBinding:
        return AclBinding(
            _resource_type(self.resource),
            self.name,
            ResourcePatternType[self.pattern],
            f"User:{self.principal}",
            "*",
            AclOperation[self.operation],
            AclPermissionType.ALLOW,
        )

    def __str__(self) -> str:
        where = f"{self.name}*" if self.pattern == "PREFIXED" else self.name
        return f"User:{self.principal:<14} {self.operation:<10} {self.resource.lower()} {where}"


def _resource_type(name: str) -> ResourceType:
    # librdkafka calls Kafka's CLUSTER resource type BROKER.
    return ResourceType.BROKER if name == "CLUSTER" else ResourceType[name]


def service_grants(topics: Topics, service: str) -> list[Grant]:
    reads = subscribed_topics(topics, service)
    writes = published_topics(topics, service) + [dead_letter_topic(name) for name in reads]
    return [
        *(Grant(service, "WRITE", "TOPIC", name) for name in writes),
        *(Grant(service, "READ", "TOPIC", name) for name in reads),
        Grant(service, "READ", "GROUP", consumer_group(topics.prefix, service), "PREFIXED"),
    ]


def ops_grants(topics: Topics) -> list[Grant]:
    everything = (
        ("*", "LITERAL") if not topics.prefix else (topics.prefix, "PREFIXED")
    )  # every topic and group of this deployment
    return [
        *(
            Grant(OPS, operation, "TOPIC", *everything)
            for operation in ("READ", "WRITE", "DESCRIBE", "DESCRIBE_CONFIGS")
        ),
        *(Grant(OPS, operation, "GROUP", *everything) for operation in ("READ", "DESCRIBE")),
        Grant(OPS, "CREATE", "CLUSTER", CLUSTER),
        Grant(OPS, "DESCRIBE", "CLUSTER", CLUSTER),
    ]


def clinic_principal(topics: Topics, clinic: str) -> str:
    """Under the topic prefix too: clinics are added at run time, and one test run's clinic
    must not share a login with another's."""
    return f"{topics.prefix}clinic-{clinic}"


def clinic_grants(topics: Topics, clinic: str) -> list[Grant]:
    """The clinic writes its inbound topic and nothing else; intake reads it and writes its
    dead-letter topic. (Ops already reads and writes every topic under the prefix.)"""
    inbound = topics.clinic_inbound(clinic)
    return [
        Grant(clinic_principal(topics, clinic), "WRITE", "TOPIC", inbound),
        Grant("intake", "READ", "TOPIC", inbound),
        Grant("intake", "WRITE", "TOPIC", dead_letter_topic(inbound)),
    ]


def catalogue_grants(topics: Topics) -> list[Grant]:
    """Every rule for the services and ops under this topic prefix."""
    grants = [grant for service in SERVICES for grant in service_grants(topics, service)]
    return grants + ops_grants(topics)


_EVERYTHING = AclBindingFilter(
    ResourceType.ANY,
    None,
    ResourcePatternType.ANY,
    None,
    None,
    AclOperation.ANY,
    AclPermissionType.ANY,
)


def _admin(kafka: KafkaAccess) -> AdminClient:
    return AdminClient(kafka.admin_config())


def _wait(futures: Mapping[Any, Future[Any]]) -> None:
    """Every answer, within the bound; the first refusal (e.g. not authorised) raises."""
    for future in futures.values():
        future.result(timeout=TIMEOUT_SECONDS)


def _create(kafka: KafkaAccess, grants: Sequence[Grant]) -> None:
    if not grants:
        return
    admin = _admin(kafka)  # held until every answer is in: dropping it aborts them
    wanted = [grant.binding() for grant in grants]
    _wait(admin.create_acls(wanted))
    # The controller has them; the broker's authorizer applies them a moment later. Wait until
    # it lists them all, so a client started right after provisioning is not refused.
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while True:
        listed = set(admin.describe_acls(_EVERYTHING).result(timeout=TIMEOUT_SECONDS))
        if all(binding in listed for binding in wanted):
            return
        if time.monotonic() > deadline:
            raise TimeoutError("the broker did not apply the new ACLs in time")
        time.sleep(0.1)


def _delete_under(kafka: KafkaAccess, prefix: str) -> None:
    admin = _admin(kafka)
    found = admin.describe_acls(_EVERYTHING).result(timeout=TIMEOUT_SECONDS)
    mine = [
        AclBindingFilter(
            rule.restype,
            rule.name,
            rule.resource_pattern_type,
            rule.principal,
            rule.host,
            rule.operation,
            rule.permission_type,
        )
        for rule in found
        if rule.name and rule.name.startswith(prefix)
    ]
    if mine:
        _wait(admin.delete_acls(mine))


async def revoke_under(kafka: KafkaAccess, prefix: str) -> None:
    """Removes every rule on a resource named with this prefix (a finished test run's)."""
    if not prefix:
        raise ValueError("refusing to revoke the ACLs of every resource")
    await asyncio.to_thread(_delete_under, kafka, prefix)


async def grant(kafka: KafkaAccess, grants: Sequence[Grant]) -> None:
    """Creates the rules (idempotent: an existing rule is left as it is). Needs admin."""
    await asyncio.to_thread(_create, kafka, grants)


__all__ = [
    "SERVICES",
    "SUBSCRIPTIONS",
    "Grant",
    "catalogue_grants",
    "clinic_grants",
    "clinic_principal",
    "consumer_group",
    "grant",
    "ops_grants",
    "revoke_under",
    "service_grants",
]
