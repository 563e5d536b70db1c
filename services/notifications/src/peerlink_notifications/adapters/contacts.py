"""The contact directory: the one collection that holds addresses. Nothing reads it but
this service's routes (for the owner) and the delivery loop (to send)."""

from __future__ import annotations

from datetime import time

from peerlink_shared.mongo import Database, Document
from pymongo.errors import DuplicateKeyError

from peerlink_notifications.domain.contacts import (
    EXTERNAL_CHANNELS,
    Contact,
    QuietHours,
    RecipientKind,
)


def contact_key(kind: RecipientKind, recipient_id: str) -> str:
    """A person's contact is under their id (as before centres had contacts); a centre's
    under `centre:<id>`. Opaque ids have no ':', so the two never collide."""
    return recipient_id if kind == "person" else f"centre:{recipient_id}"


class ContactStore:
    def __init__(self, db: Database) -> None:
        self._contacts = db["contacts"]

    async def replace(self, kind: RecipientKind, recipient_id: str, contact: Contact) -> None:
        """The whole contact is replaced: an address left out is an address removed."""
        key, document = contact_key(kind, recipient_id), _document(contact)
        try:
            await self._contacts.replace_one({"_id": key}, document, upsert=True)
        except DuplicateKeyError:
            # Two first saves raced and the other inserted: ours is now a plain replace.
            await self._contacts.replace_one({"_id": key}, document)

    async def find(self, kind: RecipientKind, recipient_id: str) -> Contact | None:
        doc = await self._contacts.find_one({"_id": contact_key(kind, recipient_id)})
        return None if doc is None else _contact(doc)

    async def forget_person(self, person_id: str) -> int:
        result = await self._contacts.delete_one({"_id": contact_key("person", person_id)})
        return result.deleted_count


def _document(contact: Contact) -> Document:
    quiet = contact.quiet_hours
    return {
        "email": contact.email,
        "webhook_url": contact.webhook_url,
        # One field, so encrypting stored secrets later touches one place.
        "webhook_secret": contact.webhook_secret,
        "sms": contact.sms,
        "consent": sorted(contact.consent),
        "quiet_hours": None
        if quiet is None
        else {
            "start": quiet.start.isoformat("minutes"),
            "end": quiet.end.isoformat("minutes"),
            "timezone": quiet.timezone,
        },
        "locale": contact.locale,
    }


def _contact(doc: Document) -> Contact:
    quiet = doc.get("quiet_hours")
    return Contact(
        email=doc.get("email"),
        webhook_url=doc.get("webhook_url"),
        webhook_secret=doc.get("webhook_secret"),
        sms=doc.get("sms"),
        consent=frozenset(c for c in EXTERNAL_CHANNELS if c in doc.get("consent", [])),
        quiet_hours=None
        if not quiet
        else QuietHours(
            time.fromisoformat(quiet["start"]), time.fromisoformat(quiet["end"]), quiet["timezone"]
        ),
        locale=doc.get("locale") or "en",
    )
