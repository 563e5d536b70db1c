"""Retries: which answers are worth another try, how long to wait, and when to stop."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from peerlink_notifications.domain.contacts import Contact, QuietHours
from peerlink_notifications.domain.delivery import (
    ATTEMPTS_EXHAUSTED,
    Delivered,
    Failure,
    GaveUp,
    RetryAt,
    RetryPolicy,
    Sent,
    after_attempt,
    classify_http_status,
    classify_smtp_reply,
)

POLICY = RetryPolicy(max_attempts=6, base_delay=timedelta(seconds=30), max_delay=timedelta(hours=1))
NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("attempt", "jitter", "seconds"),
    [
        (1, 1.0, 30),
        (2, 1.0, 60),
        (3, 1.0, 120),
        (5, 1.0, 480),
        (1, 0.0, 15),  # never sooner than half the schedule
        (3, 0.5, 90),
        (8, 1.0, 3600),  # 30 * 2^7 = 3840 s, capped at an hour
        (8, 0.0, 1800),
        (2, 7.0, 60),  # a jitter outside 0..1 is clamped
        (2, -1.0, 30),
    ],
)
def test_backoff_doubles_with_jitter_in_its_upper_half(
    attempt: int, jitter: float, seconds: int
) -> None:
    assert POLICY.delay_after(attempt, jitter=jitter) == timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (200, Sent()),
        (202, Sent()),
        (204, Sent()),
        (301, Failure("http_301", permanent=True)),  # redirects are not followed
        (400, Failure("http_400", permanent=True)),
        (401, Failure("http_401", permanent=True)),
        (404, Failure("http_404", permanent=True)),
        (410, Failure("http_410", permanent=True)),
        (408, Failure("http_408", permanent=False)),
        (429, Failure("http_429", permanent=False)),
        (500, Failure("http_500", permanent=False)),
        (502, Failure("http_502", permanent=False)),
        (503, Failure("http_503", permanent=False)),
    ],
)
def test_http_answers(status: int, expected: Sent | Failure) -> None:
    assert classify_http_status(status) == expected


@pytest.mark.parametrize(
    ("code", "permanent"),
    [(421, False), (450, False), (451, False), (452, False), (550, True), (553, True), (554, True)],
)
def test_smtp_replies(code: int, permanent: bool) -> None:
    assert classify_smtp_reply(code) == Failure(f"smtp_{code}", permanent=permanent)


def step(attempt: int, outcome: Sent | Failure, contact: Contact | None = None) -> object:
    return after_attempt(
        attempt=attempt, outcome=outcome, policy=POLICY, now=NOW, jitter=1.0, contact=contact
    )


TRANSIENT = Failure("http_503", permanent=False)
QUIET_NOW = Contact(quiet_hours=QuietHours(time(12, 0), time(18, 0), "UTC"))


@pytest.mark.parametrize(
    ("attempt", "outcome", "contact", "expected"),
    [
        pytest.param(1, Sent(), None, Delivered(1), id="sent"),
        pytest.param(4, Sent(), None, Delivered(4), id="sent after retries"),
        pytest.param(
            1,
            Failure("http_404", permanent=True),
            None,
            GaveUp("http_404", 1, "http_404"),
            id="permanent: no retry",
        ),
        pytest.param(
            1,
            TRANSIENT,
            None,
            RetryAt(NOW + timedelta(seconds=30), "pending", 1, "http_503"),
            id="transient: retried",
        ),
        pytest.param(
            5,
            TRANSIENT,
            None,
            RetryAt(NOW + timedelta(seconds=480), "pending", 5, "http_503"),
            id="transient: the last retry",
        ),
        pytest.param(
            6, TRANSIENT, None, GaveUp(ATTEMPTS_EXHAUSTED, 6, "http_503"), id="attempts exhausted"
        ),
        pytest.param(
            1,
            TRANSIENT,
            QUIET_NOW,
            RetryAt(datetime(2026, 1, 15, 18, 0, tzinfo=UTC), "deferred", 1, "http_503"),
            id="a retry due in quiet hours waits for their end",
        ),
    ],
)
def test_what_follows_an_attempt(
    attempt: int, outcome: Sent | Failure, contact: Contact | None, expected: object
) -> None:
    assert step(attempt, outcome, contact) == expected
