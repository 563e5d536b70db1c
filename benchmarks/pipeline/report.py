"""The printed tables: the baseline's chosen work per hop, every step, the verdict."""

from __future__ import annotations

from collections.abc import Sequence

from benchmarks.pipeline.hops import INBOX_WRITES, OUTBOX_WRITES, HopSpec
from benchmarks.pipeline.results import Latency, StepResult
from benchmarks.pipeline.sweep import SideOutcome

SENDER_LATE = 0.05  # seconds behind its schedule before the load generator is called late
HEADER = (
    f"{'side':<19}{'phase':<6}{'offered/s':>10}{'sent':>6}{'achieved/s':>11} | "
    f"{'eligible: n':>11}{'p50':>8}{'p99':>8}{'p99.9':>8} | "
    f"{'booked: n':>9}{'p50':>8}{'p99':>8}{'p99.9':>8} | "
    f"{'drain':>6}{'lag mid/end':>12} | {'db r/w per grad':>15} | verdict"
)


def seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value * 1000:.0f}ms" if value < 1 else f"{value:.2f}s"


def _latency(latency: Latency) -> str:
    return (
        f"{latency.count:>5}{seconds(latency.p50):>8}{seconds(latency.p99):>8}"
        f"{seconds(latency.p999):>8}"
    )


def row(step: StepResult) -> str:
    drain = "never" if step.drain is None else f"{step.drain:.1f}s"
    verdict = "ok" if step.passed else "FAIL: " + "; ".join(step.failures)
    if step.sender_behind > SENDER_LATE:
        # The generator itself was starved of CPU: its schedule still holds (latency counts
        # from the due time), but the offered rate arrived in bursts.
        verdict += f" (generator up to {seconds(step.sender_behind)} late)"
    return (
        f"{step.side:<19}{step.phase:<6}{step.rate:>10g}{step.graduates:>6}{step.achieved:>11.1f}"
        f" |       {_latency(step.eligible)} |     {_latency(step.booked)} | "
        f"{drain:>6}{f'{step.lag_mid}/{step.lag_end}':>12} | "
        f"{f'{step.reads_per_graduate:.0f}/{step.writes_per_graduate:.0f}':>15} | {verdict}"
    )


def steps_table(outcomes: Sequence[SideOutcome]) -> str:
    lines = [HEADER, "-" * len(HEADER)]
    for outcome in outcomes:
        lines += [row(step) for step in outcome.steps]
    return "\n".join(lines)


def hop_table(hops: Sequence[HopSpec]) -> str:
    lines = [
        "baseline relay, per consumed event (inbox check and insert included; each published "
        f"event adds {OUTBOX_WRITES} outbox writes + its own):",
        f"  {'hop':<4}{'stands for':<15}{'reads':>6}{'writes':>7}{'per output':>11}  publishes",
    ]
    for hop in hops:
        lines.append(
            f"  {hop.number:<4}{hop.stands_for:<15}{1 + hop.reads:>6.1f}"
            f"{INBOX_WRITES + hop.writes:>7.1f}{OUTBOX_WRITES + hop.output_writes:>11.1f}  "
            f"{hop.fan_out}"
        )
    return "\n".join(lines)


def stages_table(outcomes: Sequence[SideOutcome]) -> str:
    """What each service and hop measured, per graduate, and each topic's traffic."""
    lines = [
        "measured per graduate in each side's largest step (reads/writes by process; "
        "messages per topic):"
    ]
    for outcome in outcomes:
        if not outcome.steps:
            continue
        # The largest step: idle polling (outbox relays, the clock reviewer) weighs least.
        step = max(outcome.steps, key=lambda step: step.graduates)
        stages = "  ".join(f"{name} {r:.1f}/{w:.1f}" for name, (r, w) in step.ops_by_stage.items())
        topics = "  ".join(f"{name} {n:.2f}" for name, n in step.events_per_graduate.items())
        lines += [f"  {outcome.side:<19}{stages}", f"  {'':<19}{topics}"]
    return "\n".join(lines)


def verdict(outcomes: Sequence[SideOutcome], *, slo: float, slo_booked: float) -> str:
    lines = [
        f"sustainable rate (p99 eligible <= {slo:g} s, p99 booked <= {slo_booked:g} s, "
        "backlog drained):"
    ]
    rates = {outcome.side: outcome.sustainable for outcome in outcomes}
    for outcome in outcomes:
        found = outcome.sustainable
        tried = min((step.rate for step in outcome.steps), default=0)
        text = f"{found:g} graduates/s" if found is not None else f"below {tried:g} graduates/s"
        lines.append(f"  {outcome.side:<19} {text}")
        if (half := outcome.half) is not None:
            lines.append(
                f"  {'':<19} at {half.rate:g}/s: eligible p50 {seconds(half.eligible.p50)} "
                f"p99 {seconds(half.eligible.p99)} p99.9 {seconds(half.eligible.p999)} "
                f"(n={half.eligible.count}); booked p50 {seconds(half.booked.p50)} "
                f"p99 {seconds(half.booked.p99)} p99.9 {seconds(half.booked.p999)} "
                f"(n={half.booked.count})"
            )
    pipeline, baseline = rates.get("pipeline"), rates.get("baseline")
    if pipeline and baseline:
        lines.append(f"  pipeline / baseline = {pipeline / baseline:.3g}")
    plaintext = rates.get("pipeline-plaintext")
    if pipeline and plaintext:
        lines.append(f"  SASL_SSL / PLAINTEXT sustainable rate = {pipeline / plaintext:.3g}")
    halves = {outcome.side: outcome.half for outcome in outcomes}
    secure, bare = halves.get("pipeline"), halves.get("pipeline-plaintext")
    if secure is not None and bare is not None and secure.eligible.p99 and bare.eligible.p99:
        lines.append(
            f"  SASL_SSL / PLAINTEXT p99 to eligible at half rate = "
            f"{secure.eligible.p99 / bare.eligible.p99:.3g}"
        )
    return "\n".join(lines)
