"""Where the tests find a real Kafka and a MongoDB-protocol server.

1. PEERLINK_KAFKA_BOOTSTRAP and PEERLINK_MONGO_URL, when set (the local servers, CI);
2. else, where a Docker engine answers, testcontainers starts Kafka and MongoDB;
3. else the run fails, naming the command that starts the local servers.

A run's topics, ACLs and databases on them are named under its own prefixes.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass

from peerlink_devtools.cleanup import forget
from peerlink_ops.topics_admin import provision
from peerlink_shared.messaging.kafka_access import KafkaAccess
from peerlink_shared.messaging.topics import Topics

# This test process's run id: its topics, groups and databases are named under it.
RUN_ID = f"t{secrets.token_hex(3)}"
START_COMMAND = 'make up   (or: infra/local-servers up && eval "$(infra/local-servers env)")'


@dataclass(frozen=True)
class Servers:
    kafka: KafkaAccess
    mongo_url: str


class NoServers(RuntimeError):
    pass


def docker_available() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return (
            subprocess.run(
                ["docker", "info"], check=False, capture_output=True, timeout=10
            ).returncode
            == 0
        )
    except (OSError, subprocess.TimeoutExpired):
        return False


@contextmanager
def real_servers() -> Iterator[Servers]:
    kafka, mongo = os.environ.get("PEERLINK_KAFKA_BOOTSTRAP"), os.environ.get("PEERLINK_MONGO_URL")
    if kafka and mongo:
        # The local servers' environment logs the tests in as the admin principal.
        yield Servers(kafka=KafkaAccess.from_env(), mongo_url=mongo)
        return
    if docker_available():
        from testcontainers.kafka import KafkaContainer
        from testcontainers.mongodb import MongoDbContainer

        with ExitStack() as stack:
            kafka_container = stack.enter_context(KafkaContainer("apache/kafka:4.1.1").with_kraft())
            mongo_container = stack.enter_context(MongoDbContainer("mongo:7.0"))
            yield Servers(
                kafka=KafkaAccess(
                    bootstrap=kafka_container.get_bootstrap_server(),
                    security_protocol="PLAINTEXT",
                ),
                mongo_url=mongo_container.get_connection_url(),
            )
        return
    raise NoServers(
        "These tests need a real Kafka and MongoDB-protocol server. PEERLINK_KAFKA_BOOTSTRAP and "
        "PEERLINK_MONGO_URL are not set and no Docker engine answers. Start the local servers "
        f"with:\n\n    {START_COMMAND}\n"
    )


@asynccontextmanager
async def provisioned(
    servers: Servers, *, topic_prefix: str, database_prefix: str
) -> AsyncIterator[Topics]:
    """The catalogue's topics under `topic_prefix`, with every principal's ACLs for them as in
    production; afterwards drops them, their ACLs and the databases under `database_prefix`."""
    names = Topics(prefix=topic_prefix)
    await provision(servers.kafka, names)
    yield names
    await forget(
        kafka=servers.kafka,
        mongo=servers.mongo_url,
        database_prefix=database_prefix,
        topic_prefix=names.prefix,
    )
