"""What notifications holds about one person, for their subject access report: their contact
details, the messages they were sent and each delivery of them.

Addresses are shown as the contact routes show them: to the person themself, never to ops
(who sees which channels are on file). A webhook's signing secret is never shown.
"""

from __future__ import annotations

from datetime import timedelta

from peerlink_shared.clock import Clock
from peerlink_shared.lifecycle.subject_access import (
    UNTIL_ERASED,
    Purpose,
    Record,
    StoreHeld,
    kept_for,
    plain,
)
from peerlink_shared.security.auth import Principal, Role

from peerlink_notifications.domain.contacts import EXTERNAL_CHANNELS, Contact
from peerlink_notifications.service_layer.ports import ContactBook, DeliveriesHeld, MessagesHeld

# The same words as docs/privacy.md, so the page and the report agree.
CONTACTS = Purpose(
    store="contacts",
    holds="your contact addresses (e-mail, webhook, SMS), which channels you consent to, "
    "quiet hours and language",
    why="to reach you",
    kept=f"until you change them; {UNTIL_ERASED}",
)


def message_purpose(days: int) -> Purpose:
    return Purpose(
        store="messages",
        holds="the messages sent to you: centre, text, channel, status",
        why="the message log you read",
        kept=kept_for(days, "PEERLINK_MESSAGE_RETENTION_DAYS"),
    )


def delivery_purpose(days: int) -> Purpose:
    return Purpose(
        store="deliveries",
        holds="each delivery of a message over a channel: text, status, attempts, failure "
        "codes (no address)",
        why="to send, retry, and show how far each message got",
        kept=kept_for(days, "PEERLINK_DELIVERY_RETENTION_DAYS"),
    )


class NotificationsHoldings:
    def __init__(
        self,
        *,
        contacts: ContactBook,
        repository: MessagesHeld,
        deliveries: DeliveriesHeld,
        clock: Clock,
        message_days: int,
        delivery_days: int,
    ) -> None:
        self._contacts = contacts
        self._repository = repository
        self._deliveries = deliveries
        self._clock = clock
        self._message_days = message_days
        self._delivery_days = delivery_days

    async def held(self, person_id: str, *, caller: Principal) -> list[StoreHeld]:
        contact = await self._contacts.find("person", person_id)
        owner = caller.role is Role.SUPPORTER
        messages = await self._repository.held_for(person_id)
        # A day past the retention: what the sweeper has not reached yet is still held.
        since = self._clock.now() - timedelta(days=self._delivery_days + 1)
        deliveries = await self._deliveries.held_for("person", person_id, since=since)
        return [
            CONTACTS.held([] if contact is None else [_contact(contact, owner=owner)]),
            message_purpose(self._message_days).held(messages),
            delivery_purpose(self._delivery_days).held(deliveries),
        ]


def _contact(contact: Contact, *, owner: bool) -> Record:
    quiet = contact.quiet_hours
    shown: Record = {
        "on_file": [channel for channel in EXTERNAL_CHANNELS if contact.address(channel)],
        "consent": sorted(contact.consent),
        "quiet_hours": None
        if quiet is None
        else f"{quiet.start:%H:%M}-{quiet.end:%H:%M} {quiet.timezone}",
        "locale": contact.locale,
        "webhook_signing_secret": "on file (never shown)" if contact.webhook_secret else None,
    }
    if owner:
        shown |= {"email": contact.email, "webhook_url": contact.webhook_url, "sms": contact.sms}
    return {key: plain(value) for key, value in shown.items()}
