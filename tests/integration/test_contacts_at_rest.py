"""Contact addresses at rest: a dump of notifications' database shows no address and no
webhook secret; the owner still reads them back; once the owner's key is destroyed they
are gone for good."""

from __future__ import annotations

from ipaddress import ip_address

import httpx
from fastapi import FastAPI
from peerlink_notifications.bootstrap import bootstrap
from peerlink_notifications.domain.webhook_addresses import IPAddress
from peerlink_notifications.settings import NotificationsSettings
from peerlink_shared.messaging.topics import Topics
from peerlink_shared.security.auth import Role
from peerlink_shared.storage.mongo import make_mongo_client

from tests.integration.helpers import headers, in_process, served, vault
from tests.servers import Servers

CENTRE = "rest-centre"
NAME = "contacts-at-rest"
EMAIL, SMS, HOOK = "canary.jane@example.org", "+353861234567", "https://hooks.example.org/in"


async def dns(host: str, port: int) -> list[IPAddress]:
    return [ip_address("93.184.216.34")]


def resolving_by_dns(settings: NotificationsSettings) -> FastAPI:
    return bootstrap(settings, resolver=dns)


service = served(resolving_by_dns, NotificationsSettings, name=NAME)


async def stored(servers: Servers, run_id: str, key: str) -> str:
    client = make_mongo_client(servers.mongo_url)
    try:
        doc = await client[f"{run_id}_{NAME}"]["contacts"].find_one({"_id": key})
    finally:
        await client.close()
    assert doc is not None
    return repr(doc)


async def test_a_dump_shows_no_address_and_the_owner_still_reads_them(
    service: httpx.AsyncClient, servers: Servers, run_id: str
) -> None:
    person = "p-rest-1"
    own = headers(Role.SUPPORTER, CENTRE, person)
    body = {"email": EMAIL, "sms": SMS, "webhook_url": HOOK, "consent": ["email", "sms"]}
    saved = await service.put(f"/persons/{person}/contact", json=body, headers=own)
    assert saved.status_code == 200, saved.text
    secret = saved.json()["webhook_secret"]
    assert secret

    dump = await stored(servers, run_id, person)
    for clear in (EMAIL, "canary", "example.org", SMS, "353861234567", HOOK, "hooks", secret):
        assert clear not in dump
    assert "'consent': ['email', 'sms']" in dump  # what is not an address stays readable

    shown = await service.get(f"/persons/{person}/contact", headers=own)
    assert shown.status_code == 200
    assert (shown.json()["email"], shown.json()["sms"]) == (EMAIL, SMS)
    assert shown.json()["webhook_url"] == HOOK


async def test_a_centre_contact_is_sealed_too(
    service: httpx.AsyncClient, servers: Servers, run_id: str
) -> None:
    coordinator = headers(Role.COORDINATOR, CENTRE)
    saved = await service.put(
        f"/centres/{CENTRE}/contact", json={"email": EMAIL}, headers=coordinator
    )
    assert saved.status_code == 200, saved.text
    assert EMAIL not in await stored(servers, run_id, f"centre:{CENTRE}")
    shown = await service.get(f"/centres/{CENTRE}/contact", headers=coordinator)
    assert shown.json()["email"] == EMAIL


async def test_once_the_key_is_destroyed_the_contact_is_gone(
    service: httpx.AsyncClient, servers: Servers, topics: Topics, run_id: str
) -> None:
    person = "p-rest-erased"
    own = headers(Role.SUPPORTER, CENTRE, person)
    saved = await service.put(f"/persons/{person}/contact", json={"email": EMAIL}, headers=own)
    assert saved.status_code == 200, saved.text
    keys, client = vault(servers)
    try:
        assert await keys.destroy(person) is True
    finally:
        await client.close()
    # A fresh process holds no cached key (a running one may for key_cache_seconds).
    async with in_process(
        resolving_by_dns,
        NotificationsSettings,
        servers=servers,
        topics=topics,
        run_id=run_id,
        name=NAME,
        consumer_group=f"{run_id}-{NAME}-fresh",
    ) as fresh:
        gone = await fresh.get(f"/persons/{person}/contact", headers=own)
        again = await fresh.put(f"/persons/{person}/contact", json={"email": EMAIL}, headers=own)
    assert gone.status_code == 404
    assert again.status_code == 410  # nothing is sealed for an erased person again
    assert again.json() == {"detail": "the person was erased"}
    assert EMAIL not in await stored(servers, run_id, person)
