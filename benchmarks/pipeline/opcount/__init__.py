"""Database command counting in the benchmarked processes (see `sitecustomize.py` here)."""

from __future__ import annotations

import os
from pathlib import Path

HERE = Path(__file__).resolve().parent


def counting_environment(ops_dir: Path) -> dict[str, str]:
    """What to add to a process's environment so it counts its commands into `ops_dir`."""
    ops_dir.mkdir(parents=True, exist_ok=True)
    path = os.pathsep.join(p for p in (str(HERE), os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTHONPATH": path, "BENCH_PIPELINE_OPS_DIR": str(ops_dir.resolve())}
