"""The contact directory: the one collection that holds addresses. Nothing reads it but
this service's routes (for the owner) and the delivery loop (to send).

Addresses and webhook secrets are stored sealed under the owner's data key (the person's;
a centre's own key for a centre), field by field, so a dump of the database shows none, and
erasing a person (destroying their key) leaves theirs unreadable for good.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import time

from peerlink_shared.keys import DataKey, PersonKeys
from peerlink_shared.keys.fields import open_value, seal_value
from peerlink_shared.storage.mongo import Database, Document
from pymongo.errors import DuplicateKeyError

from peerlink_notifications.domain.contacts import (
    EXTERNAL_CHANNELS,
    Contact,
    QuietHours,
    RecipientKind,
)


def contact_key(kind: RecipientKind, recipient_id: str) -> str:
    """A person's contact is under their id (as before centres had contacts); a centre's
    under `centre:<id>`. Opaque ids have no ':', so the two never collide. It is also the
    owner of the data key the addresses are sealed under."""
    return recipient_id if kind == "person" else f"centre:{recipient_id}"


class ContactStore:
    def __init__(self, db: Database, *, keys: PersonKeys) -> None:
        self._contacts = db["contacts"]
        self._keys = keys

    async def replace(self, kind: RecipientKind, recipient_id: str, contact: Contact) -> None:
        key = contact_key(kind, recipient_id)
        document = _document(contact, key=await self._keys.key_for(key), owner=key)
        try:
            await self._contacts.replace_one({"_id": key}, document, upsert=True)
        except DuplicateKeyError:
            # Two first saves raced and the other inserted: ours is now a plain replace.
            await self._contacts.replace_one({"_id": key}, document)

    async def find(self, kind: RecipientKind, recipient_id: str) -> Contact | None:
        key = contact_key(kind, recipient_id)
        doc = await self._contacts.find_one({"_id": key})
        if doc is None:
            return None
        if "key_id" not in doc:
            # Stored before addresses were sealed: read as it is, sealed at the next save.
            return _contact(doc, lambda _field, value: value)
        data_key = await self._keys.existing(key)
        if data_key is None or data_key.key_id != doc["key_id"]:
            return None

        def opened(field: str, value: str) -> str:
            return open_value(data_key, value, document=key, field=field)

        return _contact(doc, opened)

    async def forget_person(self, person_id: str) -> int:
        result = await self._contacts.delete_one({"_id": contact_key("person", person_id)})
        return result.deleted_count


def _document(contact: Contact, *, key: DataKey, owner: str) -> Document:
    quiet = contact.quiet_hours
    plain = {
        "email": contact.email,
        "webhook_url": contact.webhook_url,
        "webhook_secret": contact.webhook_secret,
        "sms": contact.sms,
    }
    sealed = {
        field: None if value is None else seal_value(key, value, document=owner, field=field)
        for field, value in plain.items()
    }
    return {
        **sealed,
        "key_id": key.key_id,
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


def _contact(doc: Document, opened: Callable[[str, str], str]) -> Contact:
    def field(name: str) -> str | None:
        value = doc.get(name)
        return None if value is None else opened(name, str(value))

    quiet = doc.get("quiet_hours")
    return Contact(
        email=field("email"),
        webhook_url=field("webhook_url"),
        webhook_secret=field("webhook_secret"),
        sms=field("sms"),
        consent=frozenset(c for c in EXTERNAL_CHANNELS if c in doc.get("consent", [])),
        quiet_hours=None
        if not quiet
        else QuietHours(
            time.fromisoformat(quiet["start"]), time.fromisoformat(quiet["end"]), quiet["timezone"]
        ),
        locale=doc.get("locale") or "en",
    )
