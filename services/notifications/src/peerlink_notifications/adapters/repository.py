"""Notifications' MongoDB collections: centres (names for texts), in-app messages, and the
last staffing state seen per session.

Contacts and deliveries have their own stores (`contacts.py`, `deliveries.py`)."""

from __future__ import annotations

import re
from datetime import datetime

from peerlink_shared.contracts import CentreRegistered
from peerlink_shared.lifecycle.subject_access import Record
from peerlink_shared.storage.mongo import Database, Document
from pymongo.errors import DuplicateKeyError

from peerlink_notifications.adapters.held_records import held_record
from peerlink_notifications.domain.message_log import LoggedMessage
from peerlink_notifications.domain.templates import CentreView


class NotificationsRepository:
    def __init__(self, db: Database) -> None:
        self._centres = db["centres"]
        self._messages = db["messages"]
        self._staffing = db["staffing"]

    async def ensure_indexes(self) -> None:
        await self._messages.create_index([("recipient_id", 1), ("created_at", 1)])
        await self._messages.create_index([("centre_id", 1), ("created_at", 1)])

    async def save_centre(self, centre: CentreRegistered) -> None:
        await self._centres.update_one(
            {"_id": centre.centre_id}, {"$set": centre.model_dump(mode="json")}, upsert=True
        )

    async def centre(self, centre_id: str) -> CentreView | None:
        doc = await self._centres.find_one({"_id": centre_id})
        if doc is None:
            return None
        return CentreView(
            centre_id=centre_id, display_name=doc["display_name"], timezone=doc["timezone"]
        )

    async def add_message(self, message: LoggedMessage) -> bool:
        try:
            await self._messages.insert_one(_message_document(message))
        except DuplicateKeyError:
            return False
        return True

    async def messages_for(self, recipient_id: str) -> list[LoggedMessage]:
        return [_logged_message(doc) for doc in await self._stored_for(recipient_id)]

    async def held_for(self, recipient_id: str) -> list[Record]:
        return [held_record(doc, "message_id") for doc in await self._stored_for(recipient_id)]

    async def _stored_for(self, recipient_id: str) -> list[Document]:
        cursor = self._messages.find({"recipient_id": recipient_id})
        return await cursor.sort("created_at", 1).to_list()

    async def messages_at(self, centre_id: str, *, since: datetime) -> list[LoggedMessage]:
        cursor = self._messages.find({"centre_id": centre_id, "created_at": {"$gte": since}})
        return [_logged_message(doc) for doc in await cursor.sort("created_at", 1).to_list()]

    async def staffing_seen(self, session_id: str) -> str | None:
        doc = await self._staffing.find_one({"_id": session_id})
        return None if doc is None else str(doc["state"])

    async def see_staffing(self, session_id: str, state: str) -> None:
        await self._staffing.replace_one({"_id": session_id}, {"state": state}, upsert=True)

    async def forget_person(self, person_id: str) -> dict[str, int]:
        messages = await self._messages.delete_many({"recipient_id": person_id})
        escaped = re.escape(person_id)
        named = {"state": {"$regex": f"[:,]{escaped}(,|$)"}}
        staffing = 0
        async for doc in self._staffing.find(named):
            state = re.sub(f"(?<=[:,]){escaped}(?=,|$)", ERASED, str(doc["state"]))
            await self._staffing.update_one({"_id": doc["_id"]}, {"$set": {"state": state}})
            staffing += 1
        return {"messages": messages.deleted_count, "staffing_states": staffing}


def _message_document(message: LoggedMessage) -> Document:
    return {
        "_id": message.message_id,
        "recipient_id": message.recipient_id,
        "centre_id": message.centre_id,
        "channel": message.channel,
        "text": message.text,
        "cause_event_id": message.cause_event_id,
        "status": message.status,
        "created_at": message.created_at,
    }


def _logged_message(doc: Document) -> LoggedMessage:
    return LoggedMessage(
        message_id=str(doc["_id"]),
        recipient_id=str(doc["recipient_id"]),
        centre_id=str(doc.get("centre_id", "")),
        channel=str(doc["channel"]),
        text=str(doc["text"]),
        cause_event_id=str(doc.get("cause_event_id", "")),
        status=str(doc["status"]),
        created_at=doc["created_at"],
    )


# Not an opaque id (it has parentheses): never taken for a person.
ERASED = "(erased)"
