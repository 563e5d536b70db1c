"""Contact routes: a person's (or a centre's) addresses, consent, quiet hours and language.

Addresses are returned only to their owner: the person themself, or a coordinator of the
centre. Ops may set and review a contact, and sees which channels are on file, not where
they lead.
"""

from __future__ import annotations

from datetime import time
from typing import Self

from fastapi import APIRouter, HTTPException, status
from peerlink_shared.auth import Role
from peerlink_shared.contracts.fields import TimeZoneName
from peerlink_shared.http import Caller, CentreId, PersonId, authorize, authorize_self
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, EmailStr, Field, model_validator
from pydantic_core import PydanticCustomError

from peerlink_notifications.adapters.contacts import ContactStore
from peerlink_notifications.domain.contacts import (
    EXTERNAL_CHANNELS,
    Contact,
    ExternalChannel,
    QuietHours,
    RecipientKind,
)

E164 = r"^\+[1-9][0-9]{6,14}$"


class QuietHoursIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: time = Field(description="Local time quiet begins.", examples=["22:00"])
    end: time = Field(description="Local time it ends; before `start` wraps midnight.")
    timezone: TimeZoneName

    @model_validator(mode="after")
    def check(self) -> Self:
        # Custom error types keep their message: the shared 422 handler blanks `value_error`s.
        if self.start == self.end:
            raise PydanticCustomError("empty_quiet_hours", "start and end must differ")
        if self.start.tzinfo or self.end.tzinfo or self.start.second or self.end.second:
            raise PydanticCustomError(
                "quiet_hours_precision", "start and end are local hh:mm, without an offset"
            )
        return self


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr | None = None
    webhook_url: AnyHttpUrl | None = Field(
        default=None, description="Receives a JSON POST per message, https or http."
    )
    sms: str | None = Field(default=None, pattern=E164, description="E.164: +353861234567.")
    consent: list[ExternalChannel] = Field(
        default_factory=list, description="The channels we may use; in-app needs no consent."
    )
    quiet_hours: QuietHoursIn | None = None
    locale: str = Field(default="en", pattern=r"^[a-z]{2}(-[A-Z]{2})?$")

    @model_validator(mode="after")
    def consent_needs_an_address(self) -> Self:
        missing = [c for c in self.consent if not self._address(c)]
        if missing:
            raise PydanticCustomError(
                "consent_without_address",
                "consent was given for {channels} with no address for it",
                {"channels": ", ".join(missing)},
            )
        return self

    def _address(self, channel: ExternalChannel) -> str | AnyHttpUrl | None:
        return {"email": self.email, "webhook": self.webhook_url, "sms": self.sms}[channel]

    def to_contact(self) -> Contact:
        quiet = self.quiet_hours
        return Contact(
            email=self.email,
            webhook_url=None if self.webhook_url is None else str(self.webhook_url),
            sms=self.sms,
            consent=frozenset(self.consent),
            quiet_hours=None
            if quiet is None
            else QuietHours(quiet.start, quiet.end, quiet.timezone),
            locale=self.locale,
        )


class ContactOut(BaseModel):
    email: str | None = None
    webhook_url: str | None = None
    sms: str | None = None
    on_file: list[ExternalChannel] = Field(description="Channels with an address on file.")
    consent: list[ExternalChannel]
    quiet_hours: QuietHoursIn | None
    locale: str

    @classmethod
    def of(cls, contact: Contact, *, with_addresses: bool) -> ContactOut:
        quiet = contact.quiet_hours
        shown = with_addresses
        return cls(
            email=contact.email if shown else None,
            webhook_url=contact.webhook_url if shown else None,
            sms=contact.sms if shown else None,
            on_file=[c for c in EXTERNAL_CHANNELS if contact.address(c)],
            consent=[c for c in EXTERNAL_CHANNELS if c in contact.consent],
            quiet_hours=None
            if quiet is None
            else QuietHoursIn(start=quiet.start, end=quiet.end, timezone=quiet.timezone),
            locale=contact.locale,
        )


def contacts_router(*, contacts: ContactStore) -> APIRouter:
    router = APIRouter(tags=["contacts"])

    async def show(kind: RecipientKind, recipient_id: str, *, owner: bool) -> ContactOut:
        contact = await contacts.find(kind, recipient_id)
        if contact is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no contact details on file")
        return ContactOut.of(contact, with_addresses=owner)

    @router.put("/persons/{person_id}/contact", status_code=status.HTTP_204_NO_CONTENT)
    async def set_person_contact(person_id: PersonId, body: ContactIn, caller: Caller) -> None:
        """Replaces the whole contact: a channel left out is removed."""
        authorize_self(caller, person_id=person_id)
        await contacts.replace("person", person_id, body.to_contact())

    @router.get("/persons/{person_id}/contact", response_model=ContactOut)
    async def person_contact(person_id: PersonId, caller: Caller) -> ContactOut:
        authorize_self(caller, person_id=person_id)
        return await show("person", person_id, owner=caller.role is Role.SUPPORTER)

    @router.put("/centres/{centre_id}/contact", status_code=status.HTTP_204_NO_CONTENT)
    async def set_centre_contact(centre_id: CentreId, body: ContactIn, caller: Caller) -> None:
        """Where the centre's coordinators hear of sessions it cannot staff."""
        authorize(caller, centre_id=centre_id, roles={Role.COORDINATOR, Role.OPS})
        await contacts.replace("centre", centre_id, body.to_contact())

    @router.get("/centres/{centre_id}/contact", response_model=ContactOut)
    async def centre_contact(centre_id: CentreId, caller: Caller) -> ContactOut:
        authorize(caller, centre_id=centre_id, roles={Role.COORDINATOR, Role.OPS})
        return await show("centre", centre_id, owner=caller.role is Role.COORDINATOR)

    return router
