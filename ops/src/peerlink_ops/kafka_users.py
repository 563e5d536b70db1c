"""SCRAM users made at run time (as the admin principal): a clinic system's login.

The services' and ops' users are written when the broker's storage is formatted; a clinic
is added while the broker runs, so its user is made through the admin API.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Sequence

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from confluent_kafka.admin import (
    AdminClient,
    ScramCredentialInfo,
    ScramMechanism,
    UserScramCredentialUpsertion,
)
from peerlink_shared.messaging.kafka_access import KafkaAccess

TIMEOUT_SECONDS = 30.0
ITERATIONS = 8192  # Kafka's default for SCRAM-SHA-512
MECHANISMS = {"SCRAM-SHA-512": ScramMechanism.SCRAM_SHA_512}


def _set(kafka: KafkaAccess, user: str, password: str) -> None:
    admin = AdminClient(kafka.admin_config())
    info = ScramCredentialInfo(MECHANISMS[kafka.sasl_mechanism], ITERATIONS)
    upsert = UserScramCredentialUpsertion(user, info, password.encode())
    for future in admin.alter_user_scram_credentials([upsert]).values():
        future.result(timeout=TIMEOUT_SECONDS)


async def set_scram_password(kafka: KafkaAccess, user: str, password: str) -> KafkaAccess:
    """Creates the user (or changes its password) and returns its login, once the broker
    accepts it. `kafka` is the admin's access."""
    await asyncio.to_thread(_set, kafka, user, password)
    login = kafka.as_principal(user, password)
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while True:
        # The controller has the credential; the broker applies it a moment later.
        admin = AIOKafkaAdminClient(**login.client_options(), request_timeout_ms=5000)
        try:
            await admin.start()
            return login
        except KafkaError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)
        finally:
            await admin.close()


async def retire_scram_users(kafka: KafkaAccess, users: Sequence[str]) -> None:
    """Ends these users' logins by giving each a random password nobody keeps.

    Not a deletion: with Kafka 4.1.1 in KRaft combined mode, once a SCRAM user has been
    deleted through the admin API (a RemoveUserScramCredentialRecord in the metadata log),
    the broker refuses *every* SCRAM login after its next restart — the principals written at
    format time included (reproduced on a fresh broker: add a user, delete it, restart, and
    admin's own login fails with SASL error 58). A user whose password no one knows can do
    nothing, and the metadata log holds only upserts."""
    for user in users:
        await asyncio.to_thread(_set, kafka, user, secrets.token_urlsafe(32))
