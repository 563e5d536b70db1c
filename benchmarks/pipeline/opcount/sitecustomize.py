"""Counts every MongoDB command a process sends, per database, when the benchmark puts this
folder on the process's PYTHONPATH (Python imports `sitecustomize` at start). Written to
`$BENCH_PIPELINE_OPS_DIR/<pid>.json` every half second, so the benchmark can tell exactly how
many reads and writes each service and each relay hop made, whoever else uses the server."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from pymongo import monitoring

OPS_DIR = os.environ.get("BENCH_PIPELINE_OPS_DIR")
DUMP_SECONDS = 0.5
# Opt-in: also count per collection and per call site (the innermost frame under services/ or
# shared/), into `<pid>.detail` beside the totals, to find where a graduate's operations go.
DETAIL = os.environ.get("BENCH_PIPELINE_OPS_DETAIL") == "1"
_SOURCE_ROOTS = ("/services/", "/shared/src/")


def _collection(event: monitoring.CommandStartedEvent) -> str:
    if event.command_name == "getMore":
        return str(event.command.get("collection", "?"))
    return str(event.command.get(event.command_name, "?"))


def _call_site() -> str:
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if any(root in name for root in _SOURCE_ROOTS) and "/storage/mongo.py" not in name:
            short = name.split("/src/", 1)[-1]
            return f"{short}:{frame.f_lineno} {frame.f_code.co_name}"
        frame = frame.f_back  # type: ignore[assignment]
    return "?"


class _CommandCounter(monitoring.CommandListener):
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.detail: Counter[str] = Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.counts[f"{event.database_name} {event.command_name}"] += 1
        if DETAIL:
            where = f"{event.database_name} {_collection(event)} {event.command_name}"
            self.detail[f"{where} | {_call_site()}"] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


def _dump_forever(counter: _CommandCounter, path: Path) -> None:
    while True:
        time.sleep(DUMP_SECONDS)
        partial = path.with_suffix(".tmp")
        partial.write_text(json.dumps(dict(counter.counts)))
        partial.replace(path)  # whole files only: the reader never sees half a dump
        if DETAIL:
            partial.write_text(json.dumps(dict(counter.detail)))
            partial.replace(path.with_suffix(".detail"))


if OPS_DIR:
    _counter = _CommandCounter()
    monitoring.register(_counter)
    _target = Path(OPS_DIR) / f"{os.getpid()}.json"
    threading.Thread(target=_dump_forever, args=(_counter, _target), daemon=True).start()
