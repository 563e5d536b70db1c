"""The message log: what was said to a recipient, kept for them to read in the app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class LoggedMessage:
    """One in-app message; its id is the in-app delivery's id, fixed by (event, recipient)."""

    message_id: str
    recipient_id: str
    centre_id: str
    channel: str
    text: str
    cause_event_id: str
    status: str
    created_at: datetime
