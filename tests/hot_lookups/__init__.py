"""Every service's hot-path lookups (per event or per HTTP request), made through its own
adapters, with the documents they read and the index each should be answered from.

`tests/integration/test_index_plans.py` checks each is an index scan on the local FerretDB;
`benchmarks/storage_scaling.py` times them as the collections grow. Keep this list in step
with the adapters: a new per-event or per-request query belongs here.
"""

from __future__ import annotations

from tests.hot_lookups import eligibility, intake, notifications, scheduling, shared
from tests.hot_lookups.model import Lookup, Store, seed

STORES: tuple[Store, ...] = (
    shared.STORE,
    intake.STORE,
    eligibility.STORE,
    scheduling.STORE,
    notifications.STORE,
)

__all__ = ["STORES", "Lookup", "Store", "seed"]
