"""Who is reached how: a recipient's addresses, consent per channel, quiet hours, language.

A recipient is a person, or a centre (its coordinators read what is sent to the centre).
Addresses stay out of every repr, so a logged contact cannot leak one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import time
from typing import Literal, assert_never

Channel = Literal["in_app", "email", "webhook", "sms"]
ExternalChannel = Literal["email", "webhook", "sms"]
EXTERNAL_CHANNELS: tuple[ExternalChannel, ...] = ("email", "webhook", "sms")
RecipientKind = Literal["person", "centre"]


@dataclass(frozen=True)
class QuietHours:
    """From `start` to `end` local time in `timezone`; wraps midnight when end < start."""

    start: time
    end: time
    timezone: str


@dataclass(frozen=True)
class Contact:
    email: str | None = field(default=None, repr=False)
    webhook_url: str | None = field(default=None, repr=False)
    # Signs every webhook body; shown to the owner once, when issued.
    webhook_secret: str | None = field(default=None, repr=False)
    sms: str | None = field(default=None, repr=False)
    consent: frozenset[ExternalChannel] = frozenset()
    quiet_hours: QuietHours | None = None
    locale: str = "en"

    def address(self, channel: ExternalChannel) -> str | None:
        match channel:
            case "email":
                return self.email
            case "webhook":
                return self.webhook_url
            case "sms":
                return self.sms
            case _:
                assert_never(channel)

    def reachable_by(self, channel: ExternalChannel) -> bool:
        return channel in self.consent and bool(self.address(channel))


def channels_to_use(contact: Contact | None) -> list[ExternalChannel]:
    """The external channels to send on: each with an address and consent to use it.

    The in-app message is always kept and is not listed: it needs neither.
    """
    if contact is None:
        return []
    return [channel for channel in EXTERNAL_CHANNELS if contact.reachable_by(channel)]


def with_webhook_secret(
    contact: Contact, previous: Contact | None, *, rotate: bool, new_secret: Callable[[], str]
) -> tuple[Contact, str | None]:
    """The contact with the secret that signs its webhooks, and that secret when it was
    issued now (to be shown once). A webhook URL kept as it was keeps its secret, so
    changing quiet hours does not break the receiver; a new URL, or `rotate`, issues one."""
    if contact.webhook_url is None:
        return replace(contact, webhook_secret=None), None
    kept = previous.webhook_secret if previous else None
    if kept and not rotate and previous and previous.webhook_url == contact.webhook_url:
        return replace(contact, webhook_secret=kept), None
    secret = new_secret()
    return replace(contact, webhook_secret=secret), secret
