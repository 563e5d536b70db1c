"""PyMongo's instrumentation with the async client we use, on the real database server:
each command a child span of the caller's, and a failure's status without its message."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.instrumentation.pymongo import PymongoInstrumentor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from peerlink_shared.observability.tracing import Tracing
from peerlink_shared.storage.mongo import insert_once, make_mongo_client
from pymongo.errors import OperationFailure

from tests.servers import Servers

CANARY = "canary.jane.doe.5521@example.org"


@pytest.fixture
def traced() -> Iterator[tuple[Tracing, InMemorySpanExporter]]:
    exporter = InMemorySpanExporter()
    tracing = Tracing.exporting_to(exporter, service="test")
    yield tracing, exporter
    # PyMongo keeps its listeners for good: this switches the tracing one off.
    PymongoInstrumentor().uninstrument()
    tracing.shutdown()


async def test_database_calls_are_children_of_the_callers_span_and_fail_by_code(
    servers: Servers, run_id: str, traced: tuple[Tracing, InMemorySpanExporter]
) -> None:
    tracing, exporter = traced
    client = make_mongo_client(servers.mongo_url)  # after the instrumentation, as in a service
    collection = client[f"{run_id}_tracing"]["things"]
    try:
        await collection.create_index("email", unique=True)
        with tracing.tracer.start_as_current_span("handling") as handling:
            assert await insert_once(collection, {"_id": "a", "email": CANARY, "level": 9})
            assert not await insert_once(collection, {"_id": "a", "email": CANARY})
            await collection.insert_one({"_id": "b"})
            # A command that fails outright; MongoDB's message quotes the duplicate key
            # (FerretDB's names its PostgreSQL constraint).
            with pytest.raises(OperationFailure) as failed:
                await collection.find_one_and_update({"_id": "b"}, {"$set": {"email": CANARY}})
        await client.drop_database(f"{run_id}_tracing")
    finally:
        await client.close()
    tracing.provider.force_flush()
    commands = [
        span
        for span in exporter.get_finished_spans()
        if span.kind is SpanKind.CLIENT and span.parent is not None
    ]
    assert [span.name.rsplit(".", 1)[1] for span in commands] == [
        "insert",
        "insert",
        "insert",
        "findAndModify",
    ]
    for span in commands:
        assert span.parent is not None
        assert span.parent.span_id == handling.get_span_context().span_id
        assert span.attributes is not None
        assert span.attributes["db.mongodb.collection"] == "things"
        # Neither the document nor the server's message about it.
        assert CANARY not in repr(dict(span.attributes))
        assert CANARY not in (span.status.description or "")
    failed_span = commands[-1]
    assert failed_span.status.status_code is StatusCode.ERROR
    details = failed.value.details or {}
    assert failed_span.status.description == details["codeName"]
    assert details["errmsg"] not in (failed_span.status.description or "")
