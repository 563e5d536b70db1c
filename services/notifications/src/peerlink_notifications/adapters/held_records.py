"""A stored message or delivery as a subject access report shows it."""

from __future__ import annotations

from peerlink_shared.mongo import Document
from peerlink_shared.subject_access import Record, plain, record

# The reader is the recipient; the rest are internal ids.
INTERNAL = ("_id", "recipient_id", "recipient_kind", "correlation_id", "cause_event_id")


def held_record(doc: Document, id_name: str) -> Record:
    return {id_name: plain(doc["_id"]), **record(doc, leave_out=INTERNAL)}
