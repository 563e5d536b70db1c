"""The subject access report's page: every stored value, and every reason a service gave, is
text on the page, never markup."""

from __future__ import annotations

from datetime import UTC, datetime

from peerlink_intake.entrypoints.report_page import report_page
from peerlink_intake.service_layer.subject_access import ServiceSection, SubjectAccessReport
from peerlink_shared.subject_access import StoreHeld

HOSTILE = "<script>alert('x')</script>"


def report(*, unavailable_reason: str = "could not be reached") -> SubjectAccessReport:
    stores = [
        StoreHeld(
            store="messages",
            holds="the messages sent to you",
            why="the message log you read",
            kept="180 days (PEERLINK_MESSAGE_RETENTION_DAYS)",
            records=[
                {"text": f"You're booked at {HOSTILE}", "delivered": True, "tags": ["a", "b"]},
                {"text": "second", "delivered": False, "tags": [], "sent_at": None},
            ],
        ),
        StoreHeld(store="contacts", holds="addresses", why="to reach you", kept="-", records=[]),
    ]
    return SubjectAccessReport(
        person_id="p-1",
        generated_at=datetime(2026, 11, 30, 14, 5, tzinfo=UTC),
        complete=False,
        services=[
            ServiceSection(service="notifications", status="complete", reason=None, stores=stores),
            ServiceSection(
                service="scheduling", status="unavailable", reason=unavailable_reason, stores=[]
            ),
        ],
    )


def test_a_stored_value_with_markup_is_shown_as_text() -> None:
    page = report_page(report())

    assert "<script>" not in page
    assert "You&#39;re booked at &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page


def test_a_reason_from_another_service_is_shown_as_text() -> None:
    page = report_page(report(unavailable_reason=f"refused the token (401): {HOSTILE}"))

    assert "<script>" not in page
    assert "Unavailable: refused the token (401): &lt;script&gt;" in page


def test_the_page_says_what_why_how_long_and_which_services_are_missing() -> None:
    page = report_page(report())

    assert "This report is incomplete." in page
    assert "(scheduling)" in page
    assert "<h3>messages</h3>" in page
    assert "180 days (PEERLINK_MESSAGE_RETENTION_DAYS)" in page
    assert "<dt>delivered</dt><dd>yes</dd>" in page
    assert "<dt>tags</dt><dd>a, b</dd>" in page
    assert "<dt>sent at</dt><dd>—</dd>" in page  # field names as words
    assert "Nothing held." in page  # contacts: no records
    assert "2026-11-30 14:05 UTC" in page
