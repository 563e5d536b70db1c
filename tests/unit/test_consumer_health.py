"""A partition counts as stuck only once its record in hand has kept failing past the
threshold; a long-running record that does not fail is not stuck."""

from __future__ import annotations

from peerlink_shared.messaging.consumer_health import ConsumerHealth, StuckPartition


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def health(clock: FakeTime) -> ConsumerHealth:
    return ConsumerHealth(stuck_after_seconds=30, now=clock)


def test_a_record_failing_past_the_threshold_is_reported_with_why() -> None:
    clock = FakeTime()
    watched = health(clock)
    watched.taking("person-events", 2, 41)
    watched.failed("person-events", 2, "waiting for infrastructure: AutoReconnect")
    clock.now += 30
    assert watched.stuck() == []
    watched.failed("person-events", 2, "handler failing: ValueError")
    clock.now += 1
    assert watched.stuck() == [
        StuckPartition(
            topic="person-events",
            partition=2,
            offset=41,
            failing_seconds=31.0,
            failures=2,
            why="handler failing: ValueError",
        )
    ]


def test_finishing_the_record_clears_it() -> None:
    clock = FakeTime()
    watched = health(clock)
    watched.taking("t", 0, 1)
    watched.failed("t", 0, "handler failing: ValueError")
    clock.now += 60
    watched.finished("t", 0)
    assert watched.stuck() == []


def test_the_next_record_starts_afresh() -> None:
    clock = FakeTime()
    watched = health(clock)
    watched.taking("t", 0, 1)
    watched.failed("t", 0, "handler failing: ValueError")
    clock.now += 60
    watched.taking("t", 0, 2)
    assert watched.stuck() == []


def test_a_long_record_that_does_not_fail_is_not_stuck() -> None:
    clock = FakeTime()
    watched = health(clock)
    watched.taking("policy-events", 0, 7)
    clock.now += 3600
    assert watched.stuck() == []


def test_partitions_are_watched_apart() -> None:
    clock = FakeTime()
    watched = health(clock)
    for partition in (0, 1):
        watched.taking("t", partition, 5)
    watched.failed("t", 1, "handler failing: KeyError")
    clock.now += 31
    assert [item.partition for item in watched.stuck()] == [1]
