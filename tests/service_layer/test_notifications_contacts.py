"""Keeping a contact over in-memory fakes: a webhook only where it may lead, its signing
secret issued once, kept while the URL stays, rotated on request; a refusal changes nothing."""

from __future__ import annotations

from itertools import count

import pytest
from peerlink_notifications.domain.contacts import Contact
from peerlink_notifications.domain.webhook_addresses import WebhookRefused
from peerlink_notifications.service_layer.contacts import ContactKeeping

from tests.fakes.notifications import FakeContacts, FakeWebhookChecks

HOOK = "https://hooks.example.org/peerlink"
INTERNAL = "https://metadata.internal/latest"


def keeping() -> tuple[ContactKeeping, FakeContacts, FakeWebhookChecks]:
    contacts, checks = FakeContacts(), FakeWebhookChecks({INTERNAL: "metadata"})
    numbers = count(1)
    keeper = ContactKeeping(
        contacts=contacts, webhooks=checks, new_secret=lambda: f"whsec_{next(numbers)}"
    )
    return keeper, contacts, checks


async def test_a_new_webhook_is_checked_and_gets_a_secret_shown_once() -> None:
    keeper, contacts, checks = keeping()
    issued = await keeper.save(
        "person",
        "p-1",
        Contact(webhook_url=HOOK, consent=frozenset({"webhook"})),
        rotate_secret=False,
    )
    assert issued == "whsec_1"
    assert checks.checked == [HOOK]
    stored = await contacts.find("person", "p-1")
    assert stored is not None
    assert (stored.webhook_url, stored.webhook_secret) == (HOOK, "whsec_1")


async def test_the_same_webhook_keeps_its_secret_and_a_rotation_replaces_it() -> None:
    keeper, contacts, _ = keeping()
    await keeper.save("centre", "harbour", Contact(webhook_url=HOOK), rotate_secret=False)
    kept = await keeper.save(
        "centre", "harbour", Contact(webhook_url=HOOK, locale="es"), rotate_secret=False
    )
    assert kept is None
    stored = await keeper.find("centre", "harbour")
    assert stored is not None
    assert (stored.webhook_secret, stored.locale) == ("whsec_1", "es")

    rotated = await keeper.save("centre", "harbour", Contact(webhook_url=HOOK), rotate_secret=True)
    assert rotated == "whsec_2"
    assert (await contacts.find("centre", "harbour")) == Contact(
        webhook_url=HOOK, webhook_secret="whsec_2"
    )


async def test_a_contact_without_a_webhook_has_no_secret_and_needs_no_check() -> None:
    keeper, contacts, checks = keeping()
    await keeper.save("person", "p-1", Contact(webhook_url=HOOK), rotate_secret=False)
    issued = await keeper.save("person", "p-1", Contact(email="a@example.org"), rotate_secret=True)
    assert issued is None
    assert checks.checked == [HOOK]
    assert await contacts.find("person", "p-1") == Contact(email="a@example.org")


async def test_a_webhook_to_an_internal_address_is_refused_and_nothing_changes() -> None:
    keeper, contacts, _ = keeping()
    before = Contact(email="a@example.org", consent=frozenset({"email"}))
    contacts.contacts[("person", "p-1")] = before
    with pytest.raises(WebhookRefused) as refused:
        await keeper.save(
            "person",
            "p-1",
            Contact(webhook_url=INTERNAL, consent=frozenset({"webhook"})),
            rotate_secret=False,
        )
    assert refused.value.reason == "metadata"
    assert INTERNAL not in str(refused.value)
    assert await contacts.find("person", "p-1") == before
