"""The base of every versioned payload."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict

# Opaque ids only: letters, digits, '-' and '_'. Keeps names and free text out of ids,
# Kafka keys and MongoDB keys (no '$' or '.').
OPAQUE_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
# Free text shown to people (a centre's name): no NUL or other control characters, which
# no name needs and which break terminals, logs and some stores.
PLAIN_TEXT_PATTERN = r"^[^\x00-\x1f\x7f]+$"


class Payload(BaseModel):
    """A published payload: frozen; readers ignore fields they do not know."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    TYPE: ClassVar[str]
    VERSION: ClassVar[int] = 1
    # Health facts: on the wire and in outboxes, every field but the ids is sealed under
    # the person's data key (`peerlink_shared.messaging.sealing`).
    SEALED: ClassVar[bool] = False

    @classmethod
    def event_type(cls) -> str:
        return f"{cls.TYPE}.v{cls.VERSION}"
