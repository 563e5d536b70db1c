"""How the stores read a fill's pool (`Supporters.candidates_at`, `Sessions.bookings_of`):
one point lookup per candidate on an indexed key, at most `POOL_READS_AT_ONCE` in flight,
so a fill waits about ceil(N / 16) round trips, not N. Not a `$in`: FerretDB v1 (dev, CI,
benchmarks) never serves one from an index and reads the whole collection (20 candidates
among 5,000 supporters: a fill took 1.5-2.2 s instead of 84 ms); MongoDB serves both."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from peerlink_shared.storage.mongo import each

# Under FerretDB's 50 pooled PostgreSQL connections (INFRA.md) with other fills and
# replicas reading at the same time.
POOL_READS_AT_ONCE = 16

K = TypeVar("K")
V = TypeVar("V")


async def read_each(keys: Sequence[K], read: Callable[[K], Awaitable[V]]) -> list[V]:
    """`read(key)` for every key, at most `POOL_READS_AT_ONCE` side by side, in keys' order."""
    return await each(keys, read, at_once=POOL_READS_AT_ONCE)
