"""Deliveries, the small `delivery_pending` list the loop reads, and attempt claims.

FerretDB scans for anything but an `_id`, so the loop never queries the deliveries
themselves: it reads `delivery_pending` (one entry per open delivery, deleted when it is
final) and then each delivery by `_id`. A claim is a unique insert of
`<delivery id>#<attempt>`: of two replicas, one inserts it and sends; the other sees a
duplicate key and leaves the attempt alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Unpack

from peerlink_shared.lifecycle.erasure import keyed_by
from peerlink_shared.lifecycle.subject_access import Record
from peerlink_shared.observability.trace_spans import current_trace_context
from peerlink_shared.storage.mongo import Database, Document, insert_once

from peerlink_notifications.adapters.held_records import held_record
from peerlink_notifications.domain.contacts import EXTERNAL_CHANNELS, RecipientKind
from peerlink_notifications.domain.delivery import OPEN_STATUSES, Delivery, DeliveryProgress
from peerlink_notifications.service_layer.ports import Finish, NewDelivery, NextAttempt


class DeliveryStore:
    def __init__(self, db: Database) -> None:
        self._deliveries = db["deliveries"]
        self._pending = db["delivery_pending"]
        self._claims = db["delivery_claims"]

    async def ensure_indexes(self) -> None:
        await self._deliveries.create_index([("recipient_id", 1), ("created_at", 1)])
        await self._deliveries.create_index([("centre_id", 1), ("created_at", 1)])
        await self._pending.create_index([("due_at", 1)])

    async def open(self, new: NewDelivery, *, now: datetime) -> bool:
        planned, rendered, cause = new.planned, new.rendered, new.cause
        delivery: Document = {
            "_id": new.delivery_id,
            "message_id": new.message_id,
            "recipient_id": new.recipient_id,
            "recipient_kind": new.kind,
            "centre_id": new.centre_id,
            "channel": planned.channel,
            "subject": rendered.subject,
            "text": rendered.text,
            "locale": rendered.locale,
            "cause_event_id": cause.id,
            "correlation_id": cause.correlationid,
            # The span handling the cause (not the cause's own parent): attempts continue it.
            "traceparent": current_trace_context()[0],
            "status": planned.status,
            "attempts": 0,
            "next_attempt_at": planned.due_at,
            "last_error": None,
            "reason": None,
            "created_at": now,
            "sent_at": now if planned.status == "sent" else None,
        }
        inserted = await insert_once(self._deliveries, delivery)
        current = (
            delivery if inserted else await self._deliveries.find_one({"_id": delivery["_id"]})
        )
        if current is not None and current["status"] in OPEN_STATUSES:
            await insert_once(
                self._pending, {"_id": current["_id"], "due_at": current["next_attempt_at"]}
            )
        return inserted

    async def due(self, *, now: datetime, limit: int) -> list[str]:
        cursor = self._pending.find({"due_at": {"$lte": now}}).sort("due_at", 1).limit(limit)
        return [str(entry["_id"]) for entry in await cursor.to_list()]

    async def get(self, delivery_id: str) -> Delivery | None:
        doc = await self._deliveries.find_one({"_id": delivery_id})
        if doc is None or doc["channel"] not in EXTERNAL_CHANNELS:
            return None
        return Delivery(
            delivery_id=delivery_id,
            message_id=doc["message_id"],
            recipient_id=doc["recipient_id"],
            recipient_kind=doc["recipient_kind"],
            channel=doc["channel"],
            subject=doc["subject"],
            text=doc["text"],
            locale=doc["locale"],
            status=doc["status"],
            attempts=doc["attempts"],
            next_attempt_at=doc["next_attempt_at"],
            correlation_id=doc["correlation_id"],
            traceparent=doc.get("traceparent"),
        )

    async def claim(self, delivery_id: str, attempt: int, *, by: str, now: datetime) -> bool:
        return await insert_once(
            self._claims, {"_id": f"{delivery_id}#{attempt}", "by": by, "claimed_at": now}
        )

    async def claimed_at(self, delivery_id: str, attempt: int) -> datetime | None:
        doc = await self._claims.find_one({"_id": f"{delivery_id}#{attempt}"})
        return None if doc is None else doc["claimed_at"]

    async def schedule(self, delivery_id: str, **change: Unpack[NextAttempt]) -> None:
        changes: Document = {
            "status": change["status"],
            "next_attempt_at": change["at"],
            "updated_at": change["now"],
        }
        if "attempts" in change:
            changes |= {"attempts": change["attempts"], "last_error": change.get("last_error")}
        await self._deliveries.update_one({"_id": delivery_id}, {"$set": changes})
        await self._pending.update_one({"_id": delivery_id}, {"$set": {"due_at": change["at"]}})

    async def finish(self, delivery_id: str, **end: Unpack[Finish]) -> None:
        changes: Document = {
            "status": end["status"],
            "attempts": end["attempts"],
            "next_attempt_at": None,
            "updated_at": end["now"],
        }
        if end["status"] == "sent":
            changes["sent_at"] = end["now"]
        else:
            changes |= {"last_error": end.get("last_error"), "reason": end.get("reason")}
        await self._deliveries.update_one({"_id": delivery_id}, {"$set": changes})
        await self.drop_pending(delivery_id)

    async def drop_pending(self, delivery_id: str) -> None:
        await self._pending.delete_one({"_id": delivery_id})

    async def for_recipient(
        self, kind: RecipientKind, recipient_id: str, *, since: datetime
    ) -> list[DeliveryProgress]:
        found = await self._stored_for(kind, recipient_id, since=since)
        return [_progress(doc) for doc in found]

    async def held_for(
        self, kind: RecipientKind, recipient_id: str, *, since: datetime
    ) -> list[Record]:
        found = await self._stored_for(kind, recipient_id, since=since)
        return [held_record(doc, "delivery_id") for doc in found]

    async def _stored_for(
        self, kind: RecipientKind, recipient_id: str, *, since: datetime
    ) -> list[Document]:
        cursor = self._deliveries.find(
            {"recipient_id": recipient_id, "recipient_kind": kind, "created_at": {"$gte": since}}
        )
        return await cursor.sort("created_at", 1).to_list()

    async def at_centre(self, centre_id: str, *, since: datetime) -> list[DeliveryProgress]:
        cursor = self._deliveries.find({"centre_id": centre_id, "created_at": {"$gte": since}})
        return [_progress(doc) for doc in await cursor.sort("created_at", 1).to_list()]

    async def forget_person(self, person_id: str) -> dict[str, int]:
        # Every delivery to the person, with its pending entry and its claims.
        mine = {"recipient_id": person_id, "recipient_kind": "person"}
        ids = [str(doc["_id"]) async for doc in self._deliveries.find(mine, {"_id": 1})]
        claims = pending = 0
        for delivery_id in ids:
            claimed = {"_id": keyed_by(delivery_id, separators="#")}
            claims += (await self._claims.delete_many(claimed)).deleted_count
            pending += (await self._pending.delete_one({"_id": delivery_id})).deleted_count
        deliveries = await self._deliveries.delete_many(mine)
        return {
            "deliveries": deliveries.deleted_count,
            "delivery_pending": pending,
            "delivery_claims": claims,
        }

    async def count_pending(self) -> int:
        return await self._pending.count_documents({})


def _progress(doc: Document) -> DeliveryProgress:
    return DeliveryProgress(
        delivery_id=doc["_id"],
        message_id=doc["message_id"],
        recipient_id=doc["recipient_id"],
        channel=doc["channel"],
        status=doc["status"],
        attempts=doc["attempts"],
        last_error=doc.get("last_error"),
        reason=doc.get("reason"),
        next_attempt_at=doc.get("next_attempt_at"),
        sent_at=doc.get("sent_at"),
        created_at=doc["created_at"],
    )
