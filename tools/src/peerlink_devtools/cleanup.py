"""Drops what a test or fault run left on the local servers, so they do not fill up run
after run (thousands of leftover partitions make every metadata request slow)."""

from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient
from peerlink_shared.mongo import make_mongo_client


async def forget(*, kafka: str, mongo: str, database_prefix: str, topic_prefix: str) -> None:
    """Drops the databases and topics whose names start with these prefixes."""
    client = make_mongo_client(mongo)
    try:
        for name in await client.list_database_names():
            if name.startswith(database_prefix):
                await client.drop_database(name)
    finally:
        await client.close()
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    await admin.start()
    try:
        mine = [name for name in await admin.list_topics() if name.startswith(topic_prefix)]
        if mine:
            await admin.delete_topics(mine)
    finally:
        await admin.close()
