"""What one step measured, in plain data for the table, the JSON and the plot."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from benchmarks.pipeline.recorder import Recorder

Phase = Literal["sweep", "half"]


@dataclass(frozen=True)
class Latency:
    count: int
    p50: float | None
    p99: float | None
    p999: float | None
    max: float | None

    @classmethod
    def of(cls, recorder: Recorder) -> Latency:
        return cls(
            recorder.count,
            recorder.percentile(50),
            recorder.percentile(99),
            recorder.percentile(99.9),
            recorder.maximum(),
        )


@dataclass(frozen=True)
class StepResult:
    side: str
    phase: Phase
    rate: float  # offered, graduates per second
    seconds: float  # the send window
    graduates: int  # sent
    achieved: float  # graduates per second whose eligibility came out
    eligible: Latency  # last fact due → EligibilityChanged (eligible)
    booked: Latency  # last fact due → booking message
    unfinished: int  # graduates with no eligibility within the settle timeout
    lag_mid: int  # messages not yet committed by the side's groups, mid-window
    lag_end: int  # ... and when the last message was sent
    drain: float | None  # seconds from the last send until every group caught up
    sender_behind: float  # how late the load generator itself was, at worst
    send_failures: int
    reads_per_graduate: float
    writes_per_graduate: float
    ops_by_stage: dict[str, tuple[float, float]]  # service or hop: (reads, writes) per graduate
    events_per_graduate: dict[str, float]  # topic (catalogue name): messages per graduate
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures
