"""`erasure_requests`: each request to erase a person, with every service's confirmation.
Kept for good (ids, who asked, why, when, counts): the record that the person was erased."""

from __future__ import annotations

from datetime import datetime

from peerlink_shared.storage.mongo import Database, Document, insert_once

from peerlink_intake.domain.erasure import (
    SERVICES,
    Confirmation,
    ErasureRequest,
    Requester,
    Service,
)


class ErasureRequests:
    def __init__(self, db: Database) -> None:
        self._requests = db["erasure_requests"]

    async def ensure_indexes(self) -> None:
        await self._requests.create_index([("person_id", 1)])

    async def add(self, request: ErasureRequest) -> bool:
        by = request.requested_by
        return await insert_once(
            self._requests,
            {
                "_id": request.request_id,
                "person_id": request.person_id,
                "requested_by": {"role": by.role, "centre": by.centre, "subject": by.subject},
                "reason": request.reason,
                "requested_at": request.requested_at,
                "confirmations": {},
            },
        )

    async def latest_for(self, person_id: str) -> ErasureRequest | None:
        cursor = self._requests.find({"person_id": person_id}).sort("requested_at", -1).limit(1)
        found = await cursor.to_list()
        return _request(found[0]) if found else None

    async def get(self, request_id: str) -> ErasureRequest | None:
        found = await self._requests.find_one({"_id": request_id})
        return None if found is None else _request(found)

    async def confirm(
        self, request_id: str, service: Service, *, at: datetime, deleted: dict[str, int]
    ) -> None:
        # Confirmations of one person arrive in order on one partition, so one writer
        # updates a request at a time.
        await self._requests.update_one(
            {"_id": request_id, f"confirmations.{service}": {"$exists": False}},
            {"$set": {f"confirmations.{service}": {"at": at, "deleted": deleted}}},
        )


def _request(doc: Document) -> ErasureRequest:
    by = doc["requested_by"]
    confirmations = {
        service: Confirmation(at=found["at"], deleted=dict(found["deleted"]))
        for service in SERVICES
        if (found := doc.get("confirmations", {}).get(service)) is not None
    }
    return ErasureRequest(
        request_id=str(doc["_id"]),
        person_id=str(doc["person_id"]),
        requested_by=Requester(role=by["role"], centre=by["centre"], subject=by["subject"]),
        reason=str(doc["reason"]),
        requested_at=doc["requested_at"],
        confirmations=confirmations,
    )
