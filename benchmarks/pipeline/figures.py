"""The run's figures as JSON, and latency against offered rate as a PNG."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display here

import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter

from benchmarks.pipeline.options import Options
from benchmarks.pipeline.sweep import SideOutcome

COLOURS = {"pipeline": "tab:red", "baseline": "tab:blue"}


def write_json(
    path: Path, *, run_id: str, options: Options, outcomes: Sequence[SideOutcome]
) -> None:
    document: dict[str, object] = {
        "run_id": run_id,
        "unit": "graduates per second (5 clinic facts each); latencies in seconds",
        "options": {
            "rates": options.rates,
            "step_seconds": options.step_seconds,
            "half_seconds": options.half_seconds,
            "limits": asdict(options.limits),
            "layout": asdict(options.layout),
            "baseline_hops": [asdict(hop) for hop in options.hops],
        },
        "sides": [
            {
                "side": outcome.side,
                "sustainable_rate": outcome.sustainable,
                "steps": [asdict(step) | {"passed": step.passed} for step in outcome.steps],
            }
            for outcome in outcomes
        ],
    }
    rates = {outcome.side: outcome.sustainable for outcome in outcomes}
    pipeline, baseline = rates.get("pipeline"), rates.get("baseline")
    document["pipeline_over_baseline"] = pipeline / baseline if pipeline and baseline else None
    path.write_text(json.dumps(document, indent=2))


def plot(path: Path, *, outcomes: Sequence[SideOutcome], slo: float) -> None:
    figure, axes = plt.subplots(1, 2, figsize=(12, 4.8), sharey=True)
    for axis, which in zip(axes, ("eligible", "booked"), strict=True):
        for outcome in outcomes:
            steps = [step for step in outcome.steps if step.phase == "sweep"]
            colour = COLOURS.get(outcome.side, "black")
            for stat, style in (("p50", "--"), ("p99", "-")):
                points = [
                    (step.rate, value)
                    for step in steps
                    if (value := getattr(getattr(step, which), stat)) is not None
                ]
                if points:
                    xs, ys = zip(*points, strict=True)
                    axis.plot(
                        xs, ys, style, marker="o", color=colour, label=f"{outcome.side} {stat}"
                    )
            failed = [(s.rate, getattr(s, which).p99) for s in steps if not s.passed]
            for rate, value in failed:
                if value is not None:
                    axis.plot(rate, value, "x", color=colour, markersize=12)
            half = outcome.half
            if half is not None and (value := getattr(half, which).p99) is not None:
                axis.plot(
                    half.rate,
                    value,
                    "*",
                    color=colour,
                    markersize=14,
                    label=f"{outcome.side} p99 at half the sustainable rate",
                )
        axis.axhline(slo, color="grey", linewidth=0.8)
        axis.set_xscale("log", base=2)
        axis.xaxis.set_major_formatter(FuncFormatter(lambda rate, _: f"{rate:g}"))
        axis.set_yscale("log")
        axis.set_xlabel("offered rate (graduates/s)")
        axis.set_title(
            "last fact → EligibilityChanged"
            if which == "eligible"
            else "last fact → booking message"
        )
        axis.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("latency (s, log)")
    axes[0].legend(fontsize=8)
    figure.suptitle(
        "Pipeline vs hand-written relay "
        f"(x: failed step; *: half the sustainable rate; line: {slo:g} s limit)"
    )
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
