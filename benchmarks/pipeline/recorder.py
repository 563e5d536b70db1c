"""Latency recording: an HdrHistogram in microseconds (3 significant digits), typed."""

from __future__ import annotations

from typing import Protocol, cast

from hdrh.histogram import HdrHistogram  # type: ignore[import-untyped]

# From 1 µs to one hour: anything later is clamped and flagged by the caller as unfinished.
LOWEST_US = 1
HIGHEST_US = 3_600_000_000
SIGNIFICANT_DIGITS = 3


class _Histogram(Protocol):
    def record_value(self, value: int) -> bool: ...
    def get_value_at_percentile(self, percentile: float) -> int: ...
    def get_total_count(self) -> int: ...
    def get_max_value(self) -> int: ...


class Recorder:
    """Seconds in, seconds out; exact to 0.1 % of the value."""

    def __init__(self) -> None:
        self._histogram = cast(_Histogram, HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_DIGITS))

    def record(self, seconds: float) -> None:
        micros = min(HIGHEST_US, max(LOWEST_US, round(seconds * 1e6)))
        self._histogram.record_value(micros)

    @property
    def count(self) -> int:
        return self._histogram.get_total_count()

    def percentile(self, percentile: float) -> float | None:
        """None when nothing was recorded."""
        if not self.count:
            return None
        return self._histogram.get_value_at_percentile(percentile) / 1e6

    def maximum(self) -> float | None:
        return self._histogram.get_max_value() / 1e6 if self.count else None
