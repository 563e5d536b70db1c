"""Retention rules: what expires when, the periods' bounds, and the topics' retention.ms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from peerlink_notifications.settings import NotificationsSettings
from peerlink_shared.messaging.topics import (
    CATALOGUE,
    CLINIC_INBOUND_SPEC,
    DAY_MS,
    LONGEST_DEAD_LETTER_RETENTION_DAYS,
    LONGEST_TOPIC_RETENTION_DAYS,
    Topics,
    TopicSpec,
    dead_letter_topic,
)
from peerlink_shared.settings import REDELIVERY_WINDOW_DAYS
from peerlink_shared.storage.retention import Expiry
from pydantic import ValidationError

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
WEEK = Expiry("inbox", "handled_at", timedelta(days=7))


def settings(**values: object) -> NotificationsSettings:
    return NotificationsSettings.model_validate({"token_secret": "x" * 40, **values})


@pytest.mark.parametrize(
    ("age", "expired"),
    [
        (timedelta(days=7, microseconds=1), True),
        (timedelta(days=30), True),
        (timedelta(days=7), False),  # exactly the period: kept until strictly past it
        (timedelta(days=6, hours=23), False),
        (timedelta(0), False),
        (-timedelta(days=1), False),  # dated in the future (a clock ahead): kept
    ],
)
def test_a_document_expires_once_strictly_older_than_its_period(
    age: timedelta, expired: bool
) -> None:
    assert WEEK.expired(NOW - age, now=NOW) is expired


def test_the_cutoff_is_now_minus_the_period() -> None:
    assert WEEK.cutoff(NOW) == datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("keep", [timedelta(0), timedelta(days=-1)])
def test_a_period_must_be_positive(keep: timedelta) -> None:
    with pytest.raises(ValueError, match="positive"):
        Expiry("inbox", "handled_at", keep)


def test_every_store_expires_by_default_with_the_documented_periods() -> None:
    found = settings()
    periods = {
        expiry.collection: (expiry.field, expiry.keep.days)
        for expiry in found.expiries() + found.notification_expiries()
    }
    assert periods == {
        "inbox": ("handled_at", 60),
        "outbox_parked": ("parked_at", 30),
        "audit": ("at", 6 * 365),
        "messages": ("created_at", 180),
        "deliveries": ("created_at", 180),
        "delivery_claims": ("claimed_at", 180),
    }


def test_the_inbox_outlasts_every_way_an_event_can_come_again() -> None:
    assert REDELIVERY_WINDOW_DAYS == (
        LONGEST_TOPIC_RETENTION_DAYS + LONGEST_DEAD_LETTER_RETENTION_DAYS
    )
    assert settings().inbox_retention_days > REDELIVERY_WINDOW_DAYS
    with pytest.raises(ValidationError, match="inbox_retention_days"):
        settings(inbox_retention_days=REDELIVERY_WINDOW_DAYS)
    assert settings(inbox_retention_days=REDELIVERY_WINDOW_DAYS + 1).inbox_retention_days == 45


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("audit_retention_days", 364),  # under a year: not a trail anyone can rely on
        ("audit_retention_days", 30 * 365 + 1),
        ("outbox_parked_retention_days", 0),
        ("outbox_parked_retention_days", 366),
        ("message_retention_days", 6),
        ("delivery_retention_days", 6),  # a delivery may still be retrying
        ("delivery_retention_days", 3651),
        ("inbox_retention_days", -1),
        ("retention_sweep_minutes", 0),
        ("retention_sweep_minutes", 24 * 60 + 1),
        ("audit_retention_days", "forever"),
    ],
)
def test_periods_outside_their_range_are_refused(name: str, value: object) -> None:
    with pytest.raises(ValidationError, match=name):
        settings(**{name: value})


def test_periods_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEERLINK_TOKEN_SECRET", "x" * 40)
    monkeypatch.setenv("PEERLINK_AUDIT_RETENTION_DAYS", "3650")
    monkeypatch.setenv("PEERLINK_MESSAGE_RETENTION_DAYS", "30")
    found = NotificationsSettings()
    keep = {e.collection: e.keep for e in found.expiries() + found.notification_expiries()}
    assert keep["audit"] == timedelta(days=3650)
    assert keep["messages"] == timedelta(days=30)


def test_every_topic_has_an_explicit_retention_and_its_dead_letters_a_shorter_one() -> None:
    planned = Topics(prefix="t-").planned() + Topics(prefix="t-").clinic_planned("bay-ehr")
    retention = {topic.name: topic.retention_ms for topic in planned}
    events = [name for name in retention if not name.endswith(".dlq")]
    assert len(events) == len(CATALOGUE) + 1
    for name in events:
        assert retention[dead_letter_topic(name)] < retention[name]
    assert retention["t-person-events"] == 30 * DAY_MS
    assert retention["t-person-events.dlq"] == 14 * DAY_MS
    assert retention["t-clinic-inbound.bay-ehr"] == CLINIC_INBOUND_SPEC.retention_days * DAY_MS
    assert max(retention.values()) == LONGEST_TOPIC_RETENTION_DAYS * DAY_MS


@pytest.mark.parametrize(("events", "dead_letters"), [(14, 14), (14, 30), (14, 0)])
def test_a_topic_whose_dead_letters_would_outlive_it_is_refused(
    events: int, dead_letters: int
) -> None:
    with pytest.raises(ValueError, match="dead letters"):
        TopicSpec(
            "x", "id", "intake", "x", retention_days=events, dead_letter_retention_days=dead_letters
        )
