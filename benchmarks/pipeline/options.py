"""The run's knobs, from the command line; `--quick` is a smoke check of about two minutes."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from benchmarks.pipeline.hops import HopSpec, default_hops, with_overrides
from benchmarks.pipeline.population import Layout
from benchmarks.pipeline.step import Limits

ROOT = Path(__file__).resolve().parents[2]
SIDES = ("pipeline", "baseline")
# `--tls-cost`: the same pipeline on the SASL_SSL broker and on a PLAINTEXT one (make bench-tls).
TLS_SIDES = ("pipeline", "pipeline-plaintext")
# `--seal-cost`: the same pipeline with health facts sealed and in clear (make bench-seal).
SEAL_SIDES = ("pipeline", "pipeline-unsealed")


@dataclass(frozen=True)
class Options:
    rates: tuple[float, ...]  # graduates per second, tried in order until one fails
    lower_rates: tuple[float, ...]  # tried in order, downwards, if the first rate fails
    step_seconds: float
    half_seconds: float
    limits: Limits
    layout: Layout
    hops: tuple[HopSpec, ...]
    sides: tuple[str, ...]
    out_dir: Path


def ladder(start: float, factor: float, top: float) -> tuple[float, ...]:
    rates = [start]
    while rates[-1] * factor <= top * 1.0001:
        rates.append(round(rates[-1] * factor, 3))
    return tuple(rates)


def _numbers(text: str | None) -> list[float] | None:
    if text is None:
        return None
    found = [float(item) for item in text.split(",")]
    if len(found) != 4:
        raise argparse.ArgumentTypeError("four numbers, one per hop")
    return found


def parse(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.pipeline",
        description="The real pipeline against a hand-written aiokafka + PyMongo relay: "
        "sustainable rate and latency, side by side.",
    )
    add = parser.add_argument
    add("--quick", action="store_true", help="smoke check: coarse rates, short steps (~2 min)")
    add("--start-rate", type=float, help="first rate, graduates/s (default 0.5)")
    add("--factor", type=float, help="each rate is the last times this (default 2; quick 4)")
    add("--max-rate", type=float, help="highest rate tried (default 128)")
    add(
        "--min-rate",
        type=float,
        default=0.125,
        help="if the first rate fails, rates below it down to this one are tried (default 0.125)",
    )
    add("--step-seconds", type=float, help="send window of a sweep step (default 20; quick 8)")
    add("--half-seconds", type=float, help="send window at half the rate (default 60; quick 12)")
    add("--slo", type=float, default=1.0, help="p99 limit to eligibility, seconds (default 1)")
    add("--slo-booked", type=float, help="p99 limit to the booking message (default: --slo)")
    add(
        "--max-drain",
        type=float,
        default=2.0,
        help="a step's backlog must be gone this long after its last send (default 2 s)",
    )
    add("--settle-timeout", type=float, help="wait for stragglers (default 30 s; quick 15)")
    add("--centres", type=int, default=4, help="fresh centres per step (default 4)")
    add("--sessions", type=int, default=2, help="group sessions per centre (default 2)")
    add("--supporters", type=int, default=3, help="supporters per session (default 3)")
    add("--hop-reads", help="baseline reads per consumed event, 4 comma-separated numbers")
    add("--hop-writes", help="baseline per-event writes (besides inbox and outbox), 4 numbers")
    add("--only", choices=SIDES, help="measure one side only")
    add(
        "--tls-cost",
        action="store_true",
        help="the pipeline over SASL_SSL against the same pipeline over PLAINTEXT "
        "(PEERLINK_BENCH_PLAINTEXT_BOOTSTRAP names the PLAINTEXT broker)",
    )
    add(
        "--seal-cost",
        action="store_true",
        help="the pipeline sealing health facts against the same pipeline publishing them in "
        "clear (PEERLINK_SEAL_PAYLOADS=false), on the same broker",
    )
    add("--out", type=Path, default=ROOT / ".local" / "bench-pipeline")
    args = parser.parse_args(argv)
    quick = args.quick
    settle = args.settle_timeout or (15.0 if quick else 30.0)
    layout = Layout(args.centres, args.sessions, args.supporters)
    hops = with_overrides(
        default_hops(session_minutes=layout.session_minutes),
        reads=_numbers(args.hop_reads),
        writes=_numbers(args.hop_writes),
    )
    start, factor = args.start_rate or 0.5, args.factor or (4.0 if quick else 2.0)
    lower: list[float] = []
    while (below := round(start / factor ** (len(lower) + 1), 4)) >= args.min_rate * 0.9999:
        lower.append(below)
    return Options(
        rates=ladder(start, factor, args.max_rate or 128.0),
        lower_rates=tuple(lower),
        step_seconds=args.step_seconds or (8.0 if quick else 20.0),
        half_seconds=args.half_seconds or (12.0 if quick else 60.0),
        limits=Limits(
            slo=args.slo,
            slo_booked=args.slo_booked or args.slo,
            max_drain=args.max_drain,
            settle_timeout=settle,
            abort_after=max(5.0, 5 * args.slo),
        ),
        layout=layout,
        hops=hops,
        sides=TLS_SIDES
        if args.tls_cost
        else SEAL_SIDES
        if args.seal_cost
        else (args.only,)
        if args.only
        else SIDES,
        out_dir=args.out,
    )
