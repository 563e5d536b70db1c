"""An erasure request and its confirmations: which services have forgotten the person.

Done when every service confirmed. The request itself is the record that the person was
erased, by whom and why: it keeps their id, no fact about them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

# The services that hold data about a person, each of which must confirm.
Service = Literal["intake", "eligibility", "scheduling", "notifications"]
SERVICES: tuple[Service, ...] = ("intake", "eligibility", "scheduling", "notifications")


class Erased(Exception):
    """The person was erased: nothing more may be recorded or shown about them."""

    def __init__(self, person_id: str) -> None:
        super().__init__("person_erased")
        self.person_id = person_id


@dataclass(frozen=True)
class Requester:
    role: Literal["coordinator", "ops"]
    centre: str  # "*" for network-wide ops
    subject: str


@dataclass(frozen=True)
class Confirmation:
    at: datetime
    deleted: Mapping[str, int]


@dataclass(frozen=True)
class ErasureRequest:
    request_id: str
    person_id: str
    requested_by: Requester
    reason: str
    requested_at: datetime
    confirmations: Mapping[Service, Confirmation] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return all(service in self.confirmations for service in SERVICES)

    @property
    def done_at(self) -> datetime | None:
        """When the last service confirmed, once all have."""
        return max(c.at for c in self.confirmations.values()) if self.done else None

    def confirmed(self, service: Service, confirmation: Confirmation) -> ErasureRequest:
        """With this service's confirmation; a service's first confirmation is the one kept."""
        if service in self.confirmations:
            return self
        return replace(self, confirmations={**self.confirmations, service: confirmation})
