"""Clinic grants, versioned: every version kept; a version number is claimed by one writer,
and the current version is one document per clinic, read by `_id` for every inbound fact."""

from __future__ import annotations

from datetime import datetime

from peerlink_shared.storage.mongo import Database, Document, insert_once

from peerlink_intake.domain.clinics import ChangedBy, ClinicGrants


class ClinicRepository:
    def __init__(self, db: Database) -> None:
        self._versions = db["clinic_grant_versions"]
        self._current = db["clinic_grants"]

    async def ensure_indexes(self) -> None:
        await self._versions.create_index([("clinic", 1), ("version", 1)])

    async def current(self, clinic: str) -> ClinicGrants | None:
        found = await self._current.find_one({"_id": clinic})
        return None if found is None else _grants(found)

    async def add_version(self, grants: ClinicGrants) -> bool:
        return await insert_once(
            self._versions, {"_id": f"{grants.clinic}:v{grants.version}", **_document(grants)}
        )

    async def version(self, clinic: str, version: int) -> ClinicGrants | None:
        found = await self._versions.find_one({"_id": f"{clinic}:v{version}"})
        return None if found is None else _grants(found)

    async def make_current(self, grants: ClinicGrants) -> None:
        # Only ever moves forward, so a late writer of an older version cannot win (atomic on
        # MongoDB; FerretDB v1's updates are not, see INFRA.md).
        await self._current.update_one(
            {"_id": grants.clinic, "version": {"$lt": grants.version}},
            {"$set": _document(grants)},
        )
        await insert_once(self._current, {"_id": grants.clinic, **_document(grants)})

    async def history(self, clinic: str) -> list[ClinicGrants]:
        cursor = self._versions.find({"clinic": clinic}).sort("version", 1)
        return [_grants(doc) async for doc in cursor]


def _document(grants: ClinicGrants) -> Document:
    return {
        "clinic": grants.clinic,
        "version": grants.version,
        "centres": sorted(grants.centres),
        "change": grants.change,
        "centre": grants.centre,
        "changed_by": {
            "subject": grants.changed_by.subject,
            "role": grants.changed_by.role,
            "centre": grants.changed_by.centre,
        },
        "changed_at": grants.changed_at,
    }


def _grants(doc: Document) -> ClinicGrants:
    by = doc["changed_by"]
    at: datetime = doc["changed_at"]
    return ClinicGrants(
        clinic=str(doc["clinic"]),
        version=int(doc["version"]),
        centres=frozenset(str(centre) for centre in doc["centres"]),
        change=doc["change"],
        centre=doc["centre"],
        changed_by=ChangedBy(str(by["subject"]), str(by["role"]), str(by["centre"])),
        changed_at=at,
    )
