"""One step: a fresh population sent open-loop at a rate for a while, then waited for until
every consumer group has caught up (or a timeout), and judged against the limits."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from benchmarks.pipeline.counters import Counters, DatabaseOps, database_ops
from benchmarks.pipeline.hops import INBOUND
from benchmarks.pipeline.load import Sender, Sent
from benchmarks.pipeline.observe import Observer
from benchmarks.pipeline.opcount.sitecustomize import DUMP_SECONDS
from benchmarks.pipeline.recorder import Recorder
from benchmarks.pipeline.results import Latency, Phase, StepResult
from benchmarks.pipeline.side import Side

CHAIN = (
    INBOUND,
    "person-events",
    "eligibility-changes",
    "session-events",
    "notification-events",
)
POLL_SECONDS = 0.25
# Messages a graduate puts on the side's topics, about (5 + 5 + 3 + a few): the lag that many
# seconds of arrivals leave is a backlog worth stopping for.
MESSAGES_PER_GRADUATE = 16


@dataclass(frozen=True)
class Limits:
    slo: float  # p99 of the eligibility latency must stay at or under this, in seconds
    slo_booked: float  # ... and of the booking latency (four hops) under this
    max_drain: float  # every group caught up within this long after the last send
    settle_timeout: float  # how long stragglers are waited for before they count as lost
    abort_after: float  # a graduate this late stops the sending early: the step has failed


@dataclass
class Tools:
    """The run's long-lived clients for one side."""

    side: Side
    counters: Counters
    observer: Observer
    sender: Sender


async def caught_up(tools: Tools, *, timeout: float) -> float | None:
    """Seconds until the side's groups have no lag twice in a row; None if not in time."""
    loop = asyncio.get_running_loop()
    began, first_zero = loop.time(), None
    while loop.time() - began < timeout:
        if dead := tools.side.dead():
            raise RuntimeError(f"{tools.side.name}: {', '.join(dead)} exited; see the logs")
        if await tools.counters.lag(tools.side.groups):
            first_zero = None
        elif first_zero is None:
            first_zero = loop.time() - began
        else:
            return first_zero
        await asyncio.sleep(POLL_SECONDS)
    return None


def _ops(tools: Tools) -> dict[str, DatabaseOps]:
    prefix = tools.side.database_prefix
    found = database_ops(tools.side.ops_dir)
    return {db.removeprefix(prefix): ops for db, ops in found.items() if db.startswith(prefix)}


async def run_step(
    tools: Tools, *, step: int, phase: Phase, rate: float, seconds: float, limits: Limits
) -> StepResult:
    side, loop = tools.side, asyncio.get_running_loop()
    population = await side.populate(step, max(2, round(rate * seconds)))
    failures = []
    # A failed step before may have left a backlog: let it drain, as far as is reasonable.
    if await caught_up(tools, timeout=limits.settle_timeout * 4) is None:
        failures.append("not idle at the start")
    topics = [f"{side.topics.prefix}{base}" for base in CHAIN]
    sizes_before, ops_before = await tools.counters.sizes(topics), _ops(tools)
    await tools.observer.watch(g.person_id for g in population.graduates)
    sent, stop = Sent(), asyncio.Event()
    sending = asyncio.create_task(
        tools.sender.run(population.graduates, rate=rate, sent=sent, stop=stop)
    )
    watchdog = asyncio.create_task(_abort_when_late(tools, sent, stop, rate, limits.abort_after))
    try:
        await asyncio.wait({sending}, timeout=seconds / 2)
        lag_mid = await tools.counters.lag(side.groups)
        await sending
        lag_end = await tools.counters.lag(side.groups)
    finally:
        watchdog.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watchdog
    if stop.is_set():
        failures.append(f"sending stopped early: {limits.abort_after:g} s behind")
    drain = await caught_up(tools, timeout=limits.settle_timeout)
    settled = loop.time()
    await asyncio.sleep(DUMP_SECONDS * 1.5)  # the processes' last counts reach their files
    sizes_after, ops_after = await tools.counters.sizes(topics), _ops(tools)

    eligible, booked, unfinished = Recorder(), Recorder(), 0
    for person, due in sent.last_due.items():
        if (arrived := tools.observer.eligible_at.get(person)) is not None:
            eligible.record(arrived - due)
        else:
            unfinished += 1
            eligible.record(settled - due)  # a lower bound: it had not come by then
        if (told := tools.observer.booked_at.get(person)) is not None:
            booked.record(told - due)
    count = max(1, len(sent.last_due))
    arrivals = list(tools.observer.eligible_at.values())
    achieved = len(arrivals) / (max(arrivals) - sent.started) if arrivals else 0.0
    ops = {stage: ops_after[stage] - ops_before.get(stage, DatabaseOps()) for stage in ops_after}
    total = sum(ops.values(), DatabaseOps())
    result = StepResult(
        side=side.name,
        phase=phase,
        rate=rate,
        seconds=seconds,
        graduates=len(sent.last_due),
        achieved=achieved,
        eligible=Latency.of(eligible),
        booked=Latency.of(booked),
        unfinished=unfinished,
        lag_mid=lag_mid,
        lag_end=lag_end,
        drain=drain,
        sender_behind=sent.behind_max,
        send_failures=sent.failed,
        reads_per_graduate=total.reads / count,
        writes_per_graduate=total.writes / count,
        ops_by_stage={s: (o.reads / count, o.writes / count) for s, o in sorted(ops.items())},
        events_per_graduate={
            base: (sizes_after[name] - sizes_before[name]) / count
            for base, name in zip(CHAIN, topics, strict=True)
        },
        failures=failures,
    )
    result.failures.extend(_judge(result, limits))
    return result


def _judge(result: StepResult, limits: Limits) -> list[str]:
    found = []
    if result.unfinished:
        found.append(f"{result.unfinished} graduates never became eligible in time")
    for name, latency, limit in (
        ("eligible", result.eligible, limits.slo),
        ("booked", result.booked, limits.slo_booked),
    ):
        if latency.p99 is not None and latency.p99 > limit:
            found.append(f"p99 {name} {latency.p99:.2f} s > {limit:g} s")
    if result.drain is None or result.drain > limits.max_drain:
        waited = "never" if result.drain is None else f"{result.drain:.1f} s"
        found.append(f"backlog: caught up {waited} after the last send (> {limits.max_drain:g} s)")
    if result.send_failures:
        found.append(f"{result.send_failures} sends failed")
    return found


async def _abort_when_late(
    tools: Tools, sent: Sent, stop: asyncio.Event, rate: float, after: float
) -> None:
    """Stops the sender once some graduate is `after` seconds late, or the side's lag holds
    `after` seconds of arrivals: the step has failed, and a longer backlog would only delay
    the next one."""
    loop = asyncio.get_running_loop()
    backlog = rate * MESSAGES_PER_GRADUATE * after
    checks = 0
    while True:
        await asyncio.sleep(POLL_SECONDS)
        now, seen = loop.time(), tools.observer.eligible_at
        late = any(now - due > after for p, due in list(sent.last_due.items()) if p not in seen)
        checks += 1
        if late or (checks % 4 == 0 and await tools.counters.lag(tools.side.groups) > backlog):
            stop.set()
            return
