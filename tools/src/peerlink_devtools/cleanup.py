"""Drops what a test or fault run left on the local servers, so they do not fill up run
after run (thousands of leftover partitions make every metadata request slow)."""

from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient
from peerlink_ops.kafka_acls import revoke_under
from peerlink_shared.messaging.kafka_access import KafkaAccess
from peerlink_shared.storage.mongo import make_mongo_client


async def forget(
    *, kafka: KafkaAccess, mongo: str, database_prefix: str, topic_prefix: str
) -> None:
    """Drops the databases, topics and ACLs whose names start with these prefixes."""
    client = make_mongo_client(mongo)
    try:
        for name in await client.list_database_names():
            if name.startswith(database_prefix):
                await client.drop_database(name)
    finally:
        await client.close()
    admin = AIOKafkaAdminClient(**kafka.client_options())
    await admin.start()
    try:
        mine = [name for name in await admin.list_topics() if name.startswith(topic_prefix)]
        if mine:
            await admin.delete_topics(mine)
    finally:
        await admin.close()
    if kafka.security_protocol != "PLAINTEXT" and topic_prefix:
        await revoke_under(kafka, topic_prefix)
