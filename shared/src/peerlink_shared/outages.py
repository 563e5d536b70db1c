"""Which failures mean infrastructure is away, not that this event cannot be handled.

The consumer waits out an outage (the record stays in hand, retried without limit) and
dead-letters an event only for failures of its own, so a Kafka or database restart never
sends good events to a dead-letter topic. Classified here:

- Kafka: every aiokafka error (broker away, leadership moving, a send refused);
- MongoDB: connection failures (`AutoReconnect`, `ServerSelectionTimeoutError`, ...), server
  codes that mean "not now" (shutting down, stepped down, timed out), and FerretDB's
  `InternalError` when its PostgreSQL is away (the fault suite's restarts show
  `SQLSTATE 57P01`/`57P03` and "failed to connect ... connection refused");
- timeouts and broken connections of any client (`TimeoutError`, `ConnectionError`);
- a task group's error when any of its errors is one of these.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from aiokafka.errors import KafkaError
from pymongo.errors import (
    BulkWriteError,
    ConnectionFailure,
    ExecutionTimeout,
    OperationFailure,
    WriteConcernError,
)

OUTAGE_ERRORS: tuple[type[BaseException], ...] = (
    KafkaError,
    ConnectionFailure,
    ExecutionTimeout,
    WriteConcernError,
    TimeoutError,
    ConnectionError,
)
# MongoDB server codes for "not now": the same ones its drivers retry writes on.
NOT_NOW_CODES = frozenset(
    {
        6,  # HostUnreachable
        7,  # HostNotFound
        89,  # NetworkTimeout
        91,  # ShutdownInProgress
        134,  # ReadConcernMajorityNotAvailableYet
        189,  # PrimarySteppedDown
        262,  # ExceededTimeLimit
        9001,  # SocketException
        10107,  # NotWritablePrimary
        11600,  # InterruptedAtShutdown
        11602,  # InterruptedDueToReplStateChange
        13435,  # NotPrimaryNoSecondaryOk
        13436,  # NotPrimaryOrSecondary
    }
)
INTERNAL_ERROR = 1
# FerretDB's InternalError wraps whatever its PostgreSQL said; these mean "unreachable",
# (SQLSTATE class 08: connection exception; 57P: shut down or starting; 53: out of resources).
_STORE_AWAY = re.compile(
    r"SQLSTATE (08|57P|53)|failed to connect|connection refused|conn closed|broken pipe"
    r"|connection reset|unexpected EOF",
    re.IGNORECASE,
)


def is_outage(error: BaseException) -> bool:
    if isinstance(error, BaseExceptionGroup):
        return any(is_outage(inner) for inner in error.exceptions)
    if isinstance(error, OUTAGE_ERRORS):
        return True
    if isinstance(error, BulkWriteError):
        return any(_store_away(item) for item in error.details.get("writeErrors", ()))
    if isinstance(error, OperationFailure):
        if error.has_error_label("RetryableWriteError"):
            return True
        return _store_away({"code": error.code, "errmsg": str(error)})
    return False


def _store_away(reply: Mapping[str, object]) -> bool:
    code, message = reply.get("code"), str(reply.get("errmsg", ""))
    if code in NOT_NOW_CODES:
        return True
    return code == INTERNAL_ERROR and _STORE_AWAY.search(message) is not None
