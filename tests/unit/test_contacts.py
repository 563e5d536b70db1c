"""Contacts: which channels are used (address and consent), and what a contact may be."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from peerlink_notifications.domain.contacts import (
    Contact,
    ExternalChannel,
    QuietHours,
    channels_to_use,
    with_webhook_secret,
)
from peerlink_notifications.domain.delivery import (
    NO_ADDRESS,
    NO_CONSENT,
    Destination,
    Failure,
    Planned,
    destination_for,
    plan_deliveries,
)
from peerlink_notifications.entrypoints.contact_bodies import ContactIn
from pydantic import ValidationError

ADDRESSES = {
    "email": "a@example.org",
    "webhook_url": "https://hooks.example.org/x",
    "sms": "+353861234567",
}


def everything(*consent: ExternalChannel) -> Contact:
    return Contact(
        email=ADDRESSES["email"],
        webhook_url=ADDRESSES["webhook_url"],
        sms=ADDRESSES["sms"],
        consent=frozenset(consent),
    )


@pytest.mark.parametrize(
    ("contact", "expected"),
    [
        pytest.param(None, [], id="no contact: in-app only"),
        pytest.param(Contact(email="a@example.org"), [], id="an address without consent"),
        pytest.param(Contact(consent=frozenset({"email"})), [], id="consent without an address"),
        pytest.param(
            Contact(email="a@example.org", consent=frozenset({"email"})), ["email"], id="email"
        ),
        pytest.param(
            everything("sms", "webhook"),
            ["webhook", "sms"],
            id="only what was consented to",
        ),
        pytest.param(
            everything("email", "webhook", "sms"),
            ["email", "webhook", "sms"],
            id="all three, in a fixed order",
        ),
        pytest.param(
            Contact(email="", consent=frozenset({"email"})), [], id="an empty address is none"
        ),
    ],
)
def test_channels_need_an_address_and_consent(
    contact: Contact | None, expected: list[ExternalChannel]
) -> None:
    assert channels_to_use(contact) == expected


def test_the_in_app_message_is_always_kept_and_quiet_hours_defer_the_rest() -> None:
    now = datetime(2026, 1, 15, 23, 0, tzinfo=UTC)
    contact = Contact(
        email="a@example.org",
        consent=frozenset({"email"}),
        quiet_hours=QuietHours(time(22, 0), time(7, 0), "UTC"),
    )
    morning = datetime(2026, 1, 16, 7, 0, tzinfo=UTC)
    assert plan_deliveries(contact, now=now) == [
        Planned("in_app", "sent", None),
        Planned("email", "deferred", morning),
    ]
    assert plan_deliveries(None, now=now) == [Planned("in_app", "sent", None)]


def test_consent_withdrawn_or_address_removed_after_recording_stops_the_send() -> None:
    assert destination_for(None, "email") == Failure(NO_CONSENT, permanent=True)
    assert destination_for(Contact(email="a@example.org"), "email") == Failure(
        NO_CONSENT, permanent=True
    )
    assert destination_for(Contact(consent=frozenset({"sms"})), "sms") == Failure(
        NO_ADDRESS, permanent=True
    )
    assert destination_for(Contact(sms="+15551234567", consent=frozenset({"sms"})), "sms") == (
        Destination("+15551234567")
    )


def test_only_a_webhook_carries_its_signing_secret() -> None:
    contact = Contact(
        email="a@example.org",
        webhook_url="https://hooks.example.org/x",
        webhook_secret="whsec_c2VjcmV0",
        consent=frozenset({"email", "webhook"}),
    )
    assert destination_for(contact, "webhook") == Destination(
        "https://hooks.example.org/x", "whsec_c2VjcmV0"
    )
    assert destination_for(contact, "email") == Destination("a@example.org", None)
    assert "whsec_" not in repr(contact)
    assert "whsec_" not in repr(destination_for(contact, "webhook"))


HOOK = "https://hooks.example.org/x"
ISSUED = "whsec_bmV3"


@pytest.mark.parametrize(
    ("url", "previous", "rotate", "kept", "shown"),
    [
        pytest.param(HOOK, None, False, ISSUED, ISSUED, id="first webhook: issued, shown"),
        pytest.param(
            HOOK,
            Contact(webhook_url=HOOK, webhook_secret="whsec_b2xk"),
            False,
            "whsec_b2xk",
            None,
            id="same URL: kept, not shown again",
        ),
        pytest.param(
            HOOK,
            Contact(webhook_url=HOOK, webhook_secret="whsec_b2xk"),
            True,
            ISSUED,
            ISSUED,
            id="rotation asked: issued, shown",
        ),
        pytest.param(
            HOOK,
            Contact(webhook_url="https://old.example.org/", webhook_secret="whsec_b2xk"),
            False,
            ISSUED,
            ISSUED,
            id="URL changed: issued, shown",
        ),
        pytest.param(
            HOOK,
            Contact(webhook_url=HOOK),
            False,
            ISSUED,
            ISSUED,
            id="registered before signing: issued",
        ),
        pytest.param(
            None,
            Contact(webhook_url=HOOK, webhook_secret="whsec_b2xk"),
            False,
            None,
            None,
            id="webhook removed: secret dropped",
        ),
    ],
)
def test_a_webhook_secret_is_issued_for_a_new_url_and_shown_only_then(
    *, url: str | None, previous: Contact | None, rotate: bool, kept: str | None, shown: str | None
) -> None:
    contact, issued = with_webhook_secret(
        Contact(webhook_url=url), previous, rotate=rotate, new_secret=lambda: ISSUED
    )
    assert (contact.webhook_secret, issued) == (kept, shown)
    assert contact.webhook_url == url


def test_a_contact_never_shows_its_addresses_in_its_repr() -> None:
    shown = repr(everything("email"))
    assert "example.org" not in shown
    assert "+353" not in shown


@pytest.mark.parametrize(
    ("body", "error_type"),
    [
        pytest.param({"email": "not-an-email"}, "value_error", id="bad email"),
        pytest.param({"sms": "0861234567"}, "string_pattern_mismatch", id="sms not E.164"),
        pytest.param({"webhook_url": "ftp://x.example.org"}, "url_scheme", id="webhook not http"),
        pytest.param({"webhook_url": "javascript:alert(1)"}, "url_scheme", id="javascript:"),
        pytest.param(
            {"webhook_url": "https://x.example.org/" + "a" * 2100}, "too_long", id="long URL"
        ),
        pytest.param({"rotate_webhook_secret": "yes"}, "bool_type", id="rotate is a boolean"),
        pytest.param({"consent": ["email"]}, "consent_without_address", id="consent, no address"),
        pytest.param({"consent": ["fax"]}, "literal_error", id="unknown channel"),
        pytest.param(
            {"quiet_hours": {"start": "22:00", "end": "07:00", "timezone": "Mars/Olympus"}},
            "unknown_timezone",
            id="unknown timezone",
        ),
        pytest.param(
            {"quiet_hours": {"start": "22:00", "end": "22:00", "timezone": "UTC"}},
            "empty_quiet_hours",
            id="empty quiet hours",
        ),
        pytest.param({"locale": "english"}, "string_pattern_mismatch", id="bad locale"),
        pytest.param({"phone": "+353861234567"}, "extra_forbidden", id="unknown field"),
    ],
)
def test_contact_input_is_refused_with_a_named_reason(
    body: dict[str, object], error_type: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        ContactIn.model_validate(body)
    assert error_type in [error["type"] for error in raised.value.errors()]


def test_a_full_contact_is_accepted() -> None:
    contact = ContactIn.model_validate(
        {
            **ADDRESSES,
            "consent": ["email", "sms"],
            "quiet_hours": {"start": "21:30", "end": "07:00", "timezone": "Europe/Dublin"},
            "locale": "es-MX",
        }
    ).to_contact()
    assert channels_to_use(contact) == ["email", "sms"]
    assert contact.quiet_hours == QuietHours(time(21, 30), time(7, 0), "Europe/Dublin")
    assert contact.webhook_url == "https://hooks.example.org/x"
