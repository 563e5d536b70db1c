"""What FerretDB's `explain` says about a query: PostgreSQL's plan, walked.

On the local servers (FerretDB v1 on PostgreSQL) a lookup is cheap only when PostgreSQL
answers it from a GIN twin of an index a service declared (infra/postgres/gin-twins.sql).
The plan names the index it scans; `gin_twin` works out which name that is.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from peerlink_shared.storage.mongo import Database, Document
from pymongo import monitoring

PlanNode = Mapping[str, object]
INDEX_SCANS = frozenset({"Index Scan", "Index Only Scan", "Bitmap Index Scan"})


@dataclass(frozen=True)
class Query:
    """One filter a command sent, as `explain` takes it (FerretDB reads the filter of an
    update or a delete statement exactly as it reads a find's)."""

    command: str
    collection: str
    filter: Document
    sort: Document | None = None

    def explain_command(self) -> Document:
        command: Document = {"find": self.collection, "filter": self.filter}
        if self.sort:
            command["sort"] = self.sort
        return command


@dataclass(frozen=True)
class Plan:
    query: Query
    root: PlanNode
    pushed_down: bool

    def nodes(self) -> Iterator[PlanNode]:
        return walk(self.root)

    def index_scans(self) -> list[str]:
        return [
            str(node["Index Name"]) for node in self.nodes() if node["Node Type"] in INDEX_SCANS
        ]

    def seq_scans(self) -> list[str]:
        return [str(node["Relation Name"]) for node in self.nodes() if _is_seq_scan(node)]

    def table(self) -> str:
        """The PostgreSQL table FerretDB keeps the collection in."""
        return next(str(node["Relation Name"]) for node in self.nodes() if "Relation Name" in node)

    def outline(self) -> str:
        """One line per node, indented, for assertion messages."""
        return "\n".join(_outline(self.root, depth=0))


def walk(node: PlanNode) -> Iterator[PlanNode]:
    """The node and every node under it, depth first."""
    yield node
    for child in _children(node):
        yield from walk(child)


def _children(node: PlanNode) -> list[PlanNode]:
    children = node.get("Plans", [])
    assert isinstance(children, list)
    return children


def _is_seq_scan(node: PlanNode) -> bool:
    return node["Node Type"] in ("Seq Scan", "Parallel Seq Scan")


def _outline(node: PlanNode, *, depth: int) -> Iterator[str]:
    detail = node.get("Index Name") or node.get("Relation Name") or ""
    yield f"{'  ' * depth}{node['Node Type']} {detail}".rstrip()
    for child in _children(node):
        yield from _outline(child, depth=depth + 1)


async def explain(db: Database, query: Query) -> Plan:
    answer = await db.command("explain", query.explain_command())
    return Plan(
        query=query,
        root=answer["queryPlanner"]["Plan"],
        pushed_down=bool(answer.get("filterPushdown")),
    )


def gin_twin(table: str, index: str, key: int = 1) -> str:
    """The GIN twin of key `key` (from 1) of the index FerretDB made for MongoDB index
    `index` of the collection kept in `table`: FerretDB v1.24's index naming
    (internal/backends/postgresql/metadata/registry.go) then ours (gin-twins.sql)."""
    index_part = re.sub(r"[^a-z][^a-z0-9_]*", "_", index.lower())
    suffix = f"_{_fnv1a_32(index.encode()):08x}_idx"
    # PostgreSQL names hold 63 bytes: FerretDB gives half to the table, half to the index.
    index_part = index_part[: 63 // 2 - len(suffix)]
    pg_index = f"{table[: 63 // 2 - 1]}_{index_part}{suffix}"
    return f"{pg_index[:40]}_gin{key}_{hashlib.md5(pg_index.encode()).hexdigest()[:8]}"


def _fnv1a_32(data: bytes) -> int:
    value = 0x811C9DC5
    for byte in data:
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


class QueryRecorder(monitoring.CommandListener):
    """Keeps the filters of the commands a client sends while recording, so a test can
    explain exactly what an adapter asked (pass it to the client's `event_listeners`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._recording = False
        self._queries: list[Query] = []

    def start(self) -> None:
        with self._lock:
            self._recording, self._queries = True, []

    def stop(self) -> list[Query]:
        with self._lock:
            self._recording = False
            return list(self._queries)

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        found = _queries(event.command_name, dict(event.command))
        with self._lock:
            if self._recording:
                self._queries.extend(found)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


def _queries(name: str, command: Document) -> list[Query]:
    """The filters of a command FerretDB pushes filters down for (none for the others)."""
    collection = str(command.get(name, ""))
    match name:
        case "find":
            return [Query(name, collection, dict(command.get("filter", {})), command.get("sort"))]
        case "findAndModify":
            return [Query(name, collection, dict(command.get("query", {})), command.get("sort"))]
        case "update":
            return [Query(name, collection, dict(item["q"])) for item in command["updates"]]
        case "delete":
            return [Query(name, collection, dict(item["q"])) for item in command["deletes"]]
    return []
