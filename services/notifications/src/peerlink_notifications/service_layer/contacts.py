"""Keeping a recipient's contact: a webhook only where it may lead, and its signing secret
kept, or issued (to be shown once)."""

from __future__ import annotations

from collections.abc import Callable

import structlog

from peerlink_notifications.domain.contacts import Contact, RecipientKind, with_webhook_secret
from peerlink_notifications.domain.webhook_addresses import WebhookRefused
from peerlink_notifications.service_layer.ports import ContactBook, WebhookChecks

log = structlog.get_logger("peerlink.notifications.contacts")


class ContactKeeping:
    def __init__(
        self, *, contacts: ContactBook, webhooks: WebhookChecks, new_secret: Callable[[], str]
    ) -> None:
        self._contacts = contacts
        self._webhooks = webhooks
        self._new_secret = new_secret

    async def find(self, kind: RecipientKind, recipient_id: str) -> Contact | None:
        return await self._contacts.find(kind, recipient_id)

    async def save(
        self, kind: RecipientKind, recipient_id: str, contact: Contact, *, rotate_secret: bool
    ) -> str | None:
        """Replaces the whole contact; returns the webhook secret when this call issued one.
        Raises WebhookRefused for a URL a webhook may not lead to."""
        if contact.webhook_url is not None:
            await self._refuse_unsafe_webhook(kind, recipient_id, contact.webhook_url)
        kept, issued = with_webhook_secret(
            contact,
            await self._contacts.find(kind, recipient_id),
            rotate=rotate_secret,
            new_secret=self._new_secret,
        )
        await self._contacts.replace(kind, recipient_id, kept)
        return issued

    async def _refuse_unsafe_webhook(
        self, kind: RecipientKind, recipient_id: str, url: str
    ) -> None:
        reason = await self._webhooks.refusal(url)
        if reason is None:
            return
        # Who tried which kind of address, for whoever watches for probing; never the URL.
        log.warning(
            "webhook_registration_refused", recipient=recipient_id, kind=kind, reason=reason
        )
        raise WebhookRefused(reason)
