"""What a contact route takes and answers: addresses, consent, quiet hours, language, and
the webhook secret shown once."""

from __future__ import annotations

from typing import Annotated, Self

from peerlink_shared.web.http_errors import refusals
from peerlink_shared.web.inputs import LocalTime, StrictBool, TimeZoneName
from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    model_validator,
)
from pydantic_core import PydanticCustomError

from peerlink_notifications.domain.contacts import (
    EXTERNAL_CHANNELS,
    Contact,
    ExternalChannel,
    QuietHours,
)

E164 = r"^\+[1-9][0-9]{6,14}$"


class QuietHoursIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: LocalTime = Field(description="Local time quiet begins.", examples=["22:00"])
    end: LocalTime = Field(
        description="Local time it ends, not `start`; before `start` wraps midnight.",
        examples=["07:00"],
    )
    timezone: TimeZoneName

    @model_validator(mode="after")
    def check(self) -> Self:
        # Custom error types keep their message: the shared 422 handler blanks `value_error`s.
        if self.start == self.end:
            raise PydanticCustomError("empty_quiet_hours", "start and end must differ")
        return self


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Annotated[EmailStr, Field(max_length=254)] | None = None
    webhook_url: AnyHttpUrl | None = Field(
        default=None,
        max_length=2048,
        description="Receives a signed JSON POST per message (Standard Webhooks). https, "
        "to a host that resolves only to public internet addresses.",
    )
    sms: str | None = Field(default=None, pattern=E164, description="E.164: +353861234567.")
    consent: list[ExternalChannel] = Field(
        default_factory=list,
        max_length=len(EXTERNAL_CHANNELS),
        description="The channels we may use; in-app needs no consent.",
    )
    quiet_hours: QuietHoursIn | None = None
    locale: str = Field(default="en", pattern=r"^[a-z]{2}(-[A-Z]{2})?$")
    rotate_webhook_secret: StrictBool = Field(
        default=False,
        description="Issue a new webhook signing secret even though the URL is unchanged.",
    )

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


class ContactSaved(BaseModel):
    webhook_secret: str | None = Field(
        description="The secret that signs this contact's webhooks (`whsec_...`, Standard "
        "Webhooks), present only when this request issued it: for a new or changed URL, "
        "or on `rotate_webhook_secret`. It is never shown again; keep it with the receiver.",
    )


WEBHOOK_REFUSED = refusals(
    422,
    _422="Invalid input (consent for a channel with no address, empty quiet hours, a time "
    "zone this server's zone database does not know), or a "
    "webhook URL that is not https (`webhook_not_https`) or whose host does not resolve only "
    "to public internet addresses (`webhook_address_refused`).",
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
