"""Prometheus metrics shared by every service. Labels are codes and topics, never ids."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

EVENTS_CONSUMED = Counter(
    "peerlink_events_consumed_total",
    "Events taken from Kafka, by outcome (handled, duplicate, ignored, dead_lettered, "
    "skipped_erased).",
    ["topic", "outcome"],
)
EVENTS_PUBLISHED = Counter(
    "peerlink_events_published_total", "Events published to Kafka from the outbox.", ["topic"]
)
DEAD_LETTERS = Counter(
    "peerlink_dead_letters_total",
    "Events sent to a dead-letter topic, by reason.",
    ["topic", "reason"],
)
HANDLER_RETRIES = Counter(
    "peerlink_handler_retries_total", "Handler attempts that failed and were retried.", ["topic"]
)
OUTBOX_PENDING = Gauge(
    "peerlink_outbox_pending", "Outbox events not yet confirmed published (last scan)."
)
AUDIT_WRITE_FAILURES = Counter(
    "peerlink_audit_write_failures_total",
    "Audit entries that could not be written, by what happened to the answer "
    "(withheld: a read answered 503 instead; sent: the entry is only in the log).",
    ["answer"],
)
SEALED_EVENTS_SKIPPED = Counter(
    "peerlink_sealed_events_skipped_total",
    "Events skipped because they can no longer be opened (their person's key was destroyed: "
    "a replay after erasure).",
    ["topic", "reason"],
)
RETENTION_DELETED = Counter(
    "peerlink_retention_deleted_total",
    "Expired documents deleted by the retention sweeper (where the server has no TTL).",
    ["collection"],
)
ERASED_PERSON_EVENTS = Counter(
    "peerlink_erased_person_events_total",
    "Events about a person already erased here, handled without storing anything (a fact "
    "still on its way when the erasure arrived).",
    ["event_type"],
)
