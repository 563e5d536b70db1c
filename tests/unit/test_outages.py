"""Which failures are waited out (infrastructure away) and which count against an event."""

from __future__ import annotations

import pytest
from aiokafka.errors import KafkaConnectionError, LeaderNotAvailableError, OutOfOrderSequenceNumber
from peerlink_shared.outages import is_outage
from pymongo.errors import (
    AutoReconnect,
    BulkWriteError,
    DuplicateKeyError,
    NetworkTimeout,
    OperationFailure,
    ServerSelectionTimeoutError,
)

# What FerretDB answered while the fault suite restarted its PostgreSQL (from its logs).
FERRETDB_PG_AWAY = [
    "[msg_find.go:344 handler.handleMaxTimeMSError] [query_iterator.go:92 "
    "postgresql.(*queryIterator).Next] FATAL: terminating connection due to administrator "
    "command (SQLSTATE 57P01)",
    "FATAL: the database system is shutting down (SQLSTATE 57P03)",
    "FATAL: the database system is starting up (SQLSTATE 57P03)",
    "failed to connect to `user=peerlink database=ferretdb`: 127.0.0.1:27028 (127.0.0.1): "
    "dial error: dial tcp 127.0.0.1:27028: connect: connection refused",
]


def failure(code: int, message: str) -> OperationFailure:
    return OperationFailure(message, code, {"ok": 0.0, "errmsg": message, "code": code})


@pytest.mark.parametrize(
    "error",
    [
        AutoReconnect("gone"),
        NetworkTimeout("slow"),
        ServerSelectionTimeoutError("no server"),
        KafkaConnectionError(),
        LeaderNotAvailableError(),
        OutOfOrderSequenceNumber(),
        TimeoutError(),
        ConnectionResetError(),
        failure(91, "ShutdownInProgress"),
        failure(10107, "not primary"),
        *(failure(1, message) for message in FERRETDB_PG_AWAY),
        BulkWriteError({"writeErrors": [{"index": 0, "code": 1, "errmsg": FERRETDB_PG_AWAY[0]}]}),
        ExceptionGroup("task group", [failure(1, FERRETDB_PG_AWAY[1])]),
        ExceptionGroup("task group", [ValueError(), AutoReconnect("gone")]),
    ],
    ids=repr,
)
def test_infrastructure_away_is_an_outage(error: BaseException) -> None:
    assert is_outage(error)


@pytest.mark.parametrize(
    "error",
    [
        ValueError("bad"),
        KeyError("missing"),
        ZeroDivisionError(),
        RecursionError(),
        OverflowError("MongoDB can only handle up to 8-byte ints"),
        DuplicateKeyError("E11000", 11000),
        failure(2, "BadValue"),
        failure(1, "unsupported operator $foo"),
        failure(1, "invalid byte sequence for encoding UTF8 (SQLSTATE 22021)"),
        BulkWriteError({"writeErrors": [{"index": 0, "code": 11000, "errmsg": "E11000"}]}),
        ExceptionGroup("task group", [ValueError(), KeyError()]),
    ],
    ids=repr,
)
def test_a_defect_with_this_event_is_not_an_outage(error: BaseException) -> None:
    assert not is_outage(error)
