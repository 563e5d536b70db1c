"""The headers of the dead-letter path, on the wire: what a consumer writes on the copy it
refuses to `<topic>.dlq`, and what a replay writes on the record it sends back. Services
write them (`dead_letters`), the AsyncAPI documents describe them, the on-call tools
(peerlink_ops) read them."""

from __future__ import annotations

REASON_CODE_HEADER = "x-dlq-reason-code"
REASON_HEADER = "x-dlq-reason"
ATTEMPTS_HEADER = "x-dlq-attempts"
ORIGINAL_TOPIC_HEADER = "x-original-topic"
ORIGINAL_PARTITION_HEADER = "x-original-partition"
ORIGINAL_OFFSET_HEADER = "x-original-offset"
REPLAYED_FROM_HEADER = "x-dlq-replayed-from"
