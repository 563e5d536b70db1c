"""Both sides up at once, stepped up the rate in turns: each round a step of one, then of the
other (which goes first alternates), until each has failed a step; then each at half its
highest passing rate. Interleaved because this machine's load from elsewhere drifts over
minutes: side after side would compare different afternoons. A side waits idle while the
other runs its step (its consumers and outbox relays poll, which costs little)."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field

from benchmarks.pipeline.counters import Counters
from benchmarks.pipeline.hops import CLINIC
from benchmarks.pipeline.load import Sender
from benchmarks.pipeline.observe import Observer
from benchmarks.pipeline.options import Options
from benchmarks.pipeline.results import Phase, StepResult
from benchmarks.pipeline.side import Side
from benchmarks.pipeline.step import Tools, caught_up, run_step

Say = Callable[[str], None]
Report = Callable[[StepResult], None]


class Climb:
    """Which rate a side tries next: up the ladder while its steps pass; if the very first
    fails (a loaded machine), down below it until one passes; never past either end."""

    def __init__(self, up: Sequence[float], down: Sequence[float]) -> None:
        self._up, self._down = list(up), list(down)
        self.next: float | None = self._up.pop(0)
        self.sustainable: float | None = None  # the highest rate that passed
        self._descending = False

    def record(self, rate: float, *, passed: bool) -> None:
        if passed:
            self.sustainable = rate
            self.next = self._up.pop(0) if self._up and not self._descending else None
        elif self.sustainable is None and self._down:
            self._descending = True
            self.next = self._down.pop(0)
        else:
            self.next = None


@dataclass
class SideOutcome:
    side: str
    steps: list[StepResult] = field(default_factory=list)
    sustainable: float | None = None  # graduates per second

    @property
    def half(self) -> StepResult | None:
        return next((step for step in self.steps if step.phase == "half"), None)


@contextlib.asynccontextmanager
async def running(side: Side, *, say: Say) -> AsyncIterator[Tools]:
    """The side's processes and the run's clients for it, stopped however the run ends."""
    say(f"{side.name}: starting")
    counters = Counters(kafka=side.kafka)
    observer = Observer(
        kafka=side.kafka,
        eligibility_topic=side.topics.eligibility_changes,
        notification_topic=side.topics.notification_events,
        events=side.events,
    )
    sender = Sender(kafka=side.kafka, topic=side.topics.clinic_inbound(CLINIC))
    try:
        await side.start()
        for client in (counters, observer, sender):
            await client.start()
        yield Tools(side, counters, observer, sender)
    finally:
        for client in (sender, observer, counters):
            with contextlib.suppress(Exception):
                await client.close()
        say(f"{side.name}: stopping")
        await side.stop()


async def measure(
    sides: Sequence[Side], *, options: Options, say: Say, report: Report
) -> list[SideOutcome]:
    outcomes = [SideOutcome(side.name) for side in sides]
    limits = options.limits

    async def step(
        side_tools: Tools,
        outcome: SideOutcome,
        number: int,
        phase: Phase,
        *,
        rate: float,
        seconds: float,
    ) -> StepResult:
        """One step of this side, kept in its outcome and reported."""
        result = await run_step(
            side_tools, step=number, phase=phase, rate=rate, seconds=seconds, limits=limits
        )
        outcome.steps.append(result)
        report(result)
        return result

    async with contextlib.AsyncExitStack() as stack:
        tools = [await stack.enter_async_context(running(s, say=say)) for s in sides]
        climbs = [Climb(options.rates, options.lower_rates) for _ in sides]
        pairs = list(zip(tools, outcomes, climbs, strict=True))
        for round_number in itertools.count():
            going = [pair for pair in pairs if pair[2].next is not None]
            if not going:
                break
            for side_tools, outcome, climb in going if round_number % 2 else reversed(going):
                rate = climb.next
                if rate is None:
                    continue
                say(f"{outcome.side}: {rate:g} graduates/s for {options.step_seconds:g} s")
                result = await step(
                    side_tools,
                    outcome,
                    round_number,
                    "sweep",
                    rate=rate,
                    seconds=options.step_seconds,
                )
                climb.record(rate, passed=result.passed)
                outcome.sustainable = climb.sustainable
                if not result.passed:
                    # Its backlog must not run under the other side's next step.
                    await caught_up(side_tools, timeout=limits.settle_timeout * 4)
        steps_so_far = round_number + 1
        for side_tools, outcome, _ in pairs:
            if outcome.sustainable is None:
                say(f"{outcome.side}: no rate passed; no half-rate run")
                continue
            rate = outcome.sustainable / 2
            say(f"{outcome.side}: half the sustainable rate, {rate:g} graduates/s")
            # A step number of its own: fresh centres and graduates for it.
            await step(
                side_tools, outcome, steps_so_far, "half", rate=rate, seconds=options.half_seconds
            )
    return outcomes
