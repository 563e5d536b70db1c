"""Registering a webhook against a real service (Kafka, FerretDB) with the production
default: https to public addresses only. Every hostile URL is a 422 that names the rule,
and nothing of it is stored; a good one gets its signing secret once.

Names the test controls resolve through an injected resolver (there is no internet here);
IP literals, `localhost` and numeric hosts go through the machine's own resolver.
"""

from __future__ import annotations

from ipaddress import ip_address

import httpx
import pytest
from fastapi import FastAPI
from peerlink_notifications.adapters.webhook_targets import system_resolver
from peerlink_notifications.bootstrap import bootstrap
from peerlink_notifications.domain.webhook_addresses import IPAddress
from peerlink_notifications.settings import NotificationsSettings
from peerlink_shared.security.auth import Role

from tests.integration.helpers import headers, served

CENTRE = "wh-centre"
NAMES = {
    "hooks.example.org": "93.184.216.34",
    "other-hooks.example.org": "93.184.216.35",
    "intranet.example.org": "10.20.30.40",
    "metadata.example.org": "169.254.169.254",
    "dual.example.org": "93.184.216.34,192.168.0.10",
}


async def dns(host: str, port: int) -> list[IPAddress]:
    if host == "nowhere.example.org":
        raise OSError("Name or service not known")
    if host in NAMES:
        return [ip_address(address) for address in NAMES[host].split(",")]
    return await system_resolver(host, port)


def resolving_by_dns(settings: NotificationsSettings) -> FastAPI:
    return bootstrap(settings, resolver=dns)


service = served(resolving_by_dns, NotificationsSettings, name="webhook-registration")


def own(person: str) -> dict[str, str]:
    return headers(Role.SUPPORTER, CENTRE, person)


ADDRESS_REFUSED = "webhook_address_refused"


@pytest.mark.parametrize(
    ("url", "error_type"),
    [
        ("http://127.0.0.1:8080/hook", ADDRESS_REFUSED),
        ("https://127.0.0.1/hook", ADDRESS_REFUSED),
        ("http://169.254.169.254/latest/meta-data", ADDRESS_REFUSED),
        ("https://metadata.example.org/latest/meta-data", ADDRESS_REFUSED),
        ("http://[::1]/hook", ADDRESS_REFUSED),
        ("https://[::ffff:127.0.0.1]/hook", ADDRESS_REFUSED),
        ("https://[fd00:ec2::254]/hook", ADDRESS_REFUSED),
        ("http://10.0.0.1/hook", ADDRESS_REFUSED),
        ("https://192.168.1.20/hook", ADDRESS_REFUSED),
        ("https://100.64.0.9/hook", ADDRESS_REFUSED),
        ("https://[fe80::1]/hook", ADDRESS_REFUSED),
        ("https://224.0.0.251/hook", ADDRESS_REFUSED),
        ("https://0.0.0.0/hook", ADDRESS_REFUSED),
        ("https://localhost:8443/hook", ADDRESS_REFUSED),
        ("https://2130706433/hook", ADDRESS_REFUSED),  # 127.0.0.1 written as one number
        ("https://0x7f.1/hook", ADDRESS_REFUSED),  # 127.0.0.1 in hex, shortened
        ("https://intranet.example.org/hook", ADDRESS_REFUSED),
        ("https://dual.example.org/hook", ADDRESS_REFUSED),  # one private address is enough
        ("https://nowhere.example.org/hook", ADDRESS_REFUSED),  # same answer: no DNS oracle
        ("http://hooks.example.org/hook", "webhook_not_https"),
        ("ftp://hooks.example.org/hook", "url_scheme"),
        ("javascript:alert(1)", "url_scheme"),
        ("file:///etc/passwd", "url_scheme"),
    ],
)
async def test_a_webhook_that_could_reach_inside_is_refused_and_not_stored(
    service: httpx.AsyncClient, url: str, error_type: str
) -> None:
    person = "p-wh-hostile"
    response = await service.put(
        f"/persons/{person}/contact", json={"webhook_url": url}, headers=own(person)
    )
    assert response.status_code == 422, response.text
    (problem,) = response.json()["detail"]
    assert problem["type"] == error_type
    assert problem["loc"] == ["body", "webhook_url"]
    assert problem["msg"]
    if error_type == ADDRESS_REFUSED:
        assert "public internet addresses" in problem["msg"]
        # Nothing says which kind of address the host had, or what it resolved to.
        for leak in ("10.20.30.40", "loopback address", "169.254.169.254", "example.org"):
            assert leak not in response.text
    shown = await service.get(f"/persons/{person}/contact", headers=own(person))
    assert shown.status_code == 404


async def test_a_good_webhook_gets_its_secret_once(service: httpx.AsyncClient) -> None:
    person = "p-wh-good"
    path = f"/persons/{person}/contact"
    hook = "https://hooks.example.org/peerlink"
    first = await service.put(path, json={"webhook_url": hook}, headers=own(person))
    assert first.status_code == 200, first.text
    secret = first.json()["webhook_secret"]
    assert secret.startswith("whsec_")
    assert len(secret) > len("whsec_") + 40

    shown = await service.get(path, headers=own(person))
    assert shown.json()["webhook_url"] == hook
    to_ops = await service.get(path, headers=headers(Role.OPS, "*", reason="support ticket 4711"))
    for later in (shown, to_ops):
        assert later.status_code == 200
        assert secret not in later.text
        assert secret.removeprefix("whsec_") not in later.text
        assert "webhook_secret" not in later.json()

    # Saving again with the same URL keeps the secret and does not show it again.
    again = await service.put(path, json={"webhook_url": hook, "locale": "es"}, headers=own(person))
    assert again.json() == {"webhook_secret": None}
    rotated = await service.put(
        path, json={"webhook_url": hook, "rotate_webhook_secret": True}, headers=own(person)
    )
    new_secret = rotated.json()["webhook_secret"]
    assert new_secret.startswith("whsec_")
    assert new_secret != secret
    moved = await service.put(
        path, json={"webhook_url": "https://other-hooks.example.org/in"}, headers=own(person)
    )
    assert moved.json()["webhook_secret"] not in (None, secret, new_secret)
    without = await service.put(path, json={"email": "p@example.org"}, headers=own(person))
    assert without.json() == {"webhook_secret": None}


async def test_a_centre_webhook_follows_the_same_rules(service: httpx.AsyncClient) -> None:
    path = f"/centres/{CENTRE}/contact"
    coordinator = headers(Role.COORDINATOR, CENTRE)
    refused = await service.put(
        path, json={"webhook_url": "http://169.254.169.254/latest/meta-data"}, headers=coordinator
    )
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["type"] == ADDRESS_REFUSED
    accepted = await service.put(
        path, json={"webhook_url": "https://hooks.example.org/centre"}, headers=coordinator
    )
    assert accepted.status_code == 200
    assert accepted.json()["webhook_secret"].startswith("whsec_")
    other = headers(Role.COORDINATOR, "elsewhere")
    assert (await service.put(path, json={}, headers=other)).status_code == 403


async def test_the_contact_puts_document_the_secret_and_the_refusals(
    service: httpx.AsyncClient,
) -> None:
    document = (await service.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    for path in ("/persons/{person_id}/contact", "/centres/{centre_id}/contact"):
        responses = document["paths"][path]["put"]["responses"]
        saved = responses["200"]["content"]["application/json"]["schema"]["$ref"]
        assert saved.endswith("/ContactSaved")
        refused = responses["422"]
        assert "webhook_address_refused" in refused["description"]
        assert refused["content"]["application/json"]["schema"]["$ref"].endswith("/FieldProblems")
    assert "webhook_secret" in schemas["ContactSaved"]["properties"]
    assert "webhook_secret" not in schemas["ContactOut"]["properties"]
