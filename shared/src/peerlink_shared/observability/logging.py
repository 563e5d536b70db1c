"""structlog configuration: JSON lines when not on a terminal, event and correlation ids bound.

Log events with ids and codes only: never a name, contact detail or clinical fact.
"""

from __future__ import annotations

import logging
import sys

import structlog

# Library loggers that are chatty at INFO; their warnings still come through.
QUIET_LIBRARIES = ("aiokafka", "faststream", "pymongo", "uvicorn.access", "kafka")


def configure_logging(*, service: str, level: str = "INFO") -> None:
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    console = sys.stderr.isatty()
    renderer: structlog.types.Processor = (
        structlog.dev.ConsoleRenderer() if console else structlog.processors.JSONRenderer()
    )
    # JSON lines carry a traceback as text in `exception`; the console renders it itself.
    exceptions: list[structlog.types.Processor] = (
        [] if console else [structlog.processors.format_exc_info]
    )
    structlog.configure(
        processors=[*shared, *exceptions, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(service=service)

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
            # A standard-library record's exc_info too (uvicorn's "Exception in ASGI
            # application"): without this the JSON line has no frames, or fails to render.
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                *exceptions,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
    # FastStream gives its loggers their own coloured stdout handler; route them through ours.
    for name in list(logging.root.manager.loggerDict):
        if name == "faststream" or name.startswith("faststream."):
            library_logger = logging.getLogger(name)
            library_logger.handlers = []
            library_logger.propagate = True


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger
