"""Log lines: an exception logged through the standard library or structlog keeps its
traceback frames, so an unhandled error in a route can be found from its log line."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator

import pytest
import structlog
from peerlink_shared.observability.logging import configure_logging


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        root.handlers, root.level = handlers, level
        structlog.reset_defaults()
        structlog.contextvars.clear_contextvars()


def failing_deep_inside() -> None:
    raise ZeroDivisionError("no frames, no clue")


def logged_line(capsys: pytest.CaptureFixture[str], event: str) -> dict[str, object]:
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    (found,) = [line for line in lines if line.get("event") == event]
    assert isinstance(found, dict)
    return found


def logged_failure(
    capsys: pytest.CaptureFixture[str], log_exception: Callable[[str], object], event: str
) -> dict[str, object]:
    """With logging configured (capsys' stderr is not a terminal: JSON lines), `event` logged
    by `log_exception` while a ZeroDivisionError is handled: the line it wrote."""
    configure_logging(service="test")
    try:
        failing_deep_inside()
    except ZeroDivisionError:
        log_exception(event)
    return logged_line(capsys, event)


@pytest.mark.usefixtures("restore_logging")
def test_a_standard_library_exception_log_carries_its_frames(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # uvicorn logs an unhandled route error this way ("Exception in ASGI application").
    line = logged_failure(
        capsys, lambda event: logging.getLogger("uvicorn.error").exception(event), "stdlib_failure"
    )
    trace = line.get("exception")
    assert isinstance(trace, str), line
    assert trace.startswith("Traceback (most recent call last):")
    assert "in failing_deep_inside" in trace
    assert "ZeroDivisionError: no frames, no clue" in trace
    assert line["service"] == "test"
    assert "exc_info" not in line


@pytest.mark.usefixtures("restore_logging")
def test_a_structlog_exception_log_carries_its_frames(
    capsys: pytest.CaptureFixture[str],
) -> None:
    line = logged_failure(
        capsys,
        lambda event: structlog.get_logger("peerlink.test").exception(event),
        "structlog_failure",
    )
    trace = line.get("exception")
    assert isinstance(trace, str)
    assert "in failing_deep_inside" in trace
