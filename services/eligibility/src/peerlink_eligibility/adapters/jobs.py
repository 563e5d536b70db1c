"""Progress of long operations (bulk re-evaluation), readable over HTTP while they run."""

from __future__ import annotations

from datetime import datetime

from peerlink_shared.storage.mongo import Database, insert_once

from peerlink_eligibility.service_layer.ports import Job


class JobRepository:
    def __init__(self, db: Database) -> None:
        self._jobs = db["jobs"]

    async def start(
        self, *, job_id: str, kind: str, centre_id: str, total: int, at: datetime
    ) -> None:
        created = await insert_once(
            self._jobs,
            {
                "_id": job_id,
                "kind": kind,
                "centre_id": centre_id,
                "state": "running",
                "total": total,
                "done": 0,
                "changed": 0,
                "runs": 1,
                "started_at": at,
                "updated_at": at,
                "finished_at": None,
            },
        )
        if not created:
            await self._jobs.update_one(
                {"_id": job_id},
                {
                    "$set": {
                        "state": "running",
                        "total": total,
                        "done": 0,
                        "changed": 0,
                        "updated_at": at,
                    },
                    "$inc": {"runs": 1},
                },
            )

    async def progress(
        self, job_id: str, *, done: int, total: int, changed: int, at: datetime
    ) -> None:
        await self._jobs.update_one(
            {"_id": job_id},
            {"$set": {"done": done, "total": total, "changed": changed, "updated_at": at}},
        )

    async def finish(self, job_id: str, *, done: int, changed: int, at: datetime) -> None:
        await self._jobs.update_one(
            {"_id": job_id},
            {
                "$set": {
                    "state": "done",
                    "done": done,
                    "changed": changed,
                    "updated_at": at,
                    "finished_at": at,
                }
            },
        )

    async def get(self, job_id: str) -> Job | None:
        doc = await self._jobs.find_one({"_id": job_id})
        if doc is None:
            return None
        return Job(
            job_id=job_id,
            kind=str(doc["kind"]),
            centre_id=str(doc["centre_id"]),
            state=str(doc["state"]),
            total=int(doc["total"]),
            done=int(doc["done"]),
            changed=int(doc["changed"]),
            started_at=doc["started_at"],
            finished_at=doc.get("finished_at"),
        )
