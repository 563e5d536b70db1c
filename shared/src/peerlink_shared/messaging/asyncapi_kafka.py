"""The Kafka parts of the AsyncAPI documents: the servers and how to log in to them, the
headers and key of every record, and the copy a consumer leaves on a dead-letter topic.

Header names come from the code that writes them, so the document follows that code.
"""

from __future__ import annotations

from typing import Any, Literal, assert_never

from peerlink_shared.messaging import dead_letter_headers as dlq
from peerlink_shared.messaging.dead_letters import ReasonCode
from peerlink_shared.messaging.kafka import (
    CONTENT_TYPE_HEADER,
    CORRELATION_ID_HEADER,
    ENVELOPE_CONTENT_TYPE,
    EVENT_TYPE_HEADER,
)

JsonSchema = dict[str, Any]
# Kafka's `security.protocol` values a document can describe.
KafkaSecurity = Literal["SASL_SSL", "PLAINTEXT"]
BINDING_VERSION = "0.5.0"
SCRAM_SCHEME = "scramSha512"
DEAD_LETTER_MESSAGE = "DeadLetter"
DEAD_LETTER_CONTENT_TYPE = "application/octet-stream"
MAX_ID_LENGTH = 128  # the envelope's limit on `subject` and `correlationid`

SECURITY_SCHEMES: JsonSchema = {
    SCRAM_SCHEME: {
        "type": "scramSha512",
        "description": "SASL SCRAM-SHA-512 over TLS (Kafka `security.protocol=SASL_SSL`, "
        "`sasl.mechanism=SCRAM-SHA-512`); verify the broker's certificate against the "
        "deployment's CA. Every service and every clinic system has its own principal: ACLs "
        "let it write only the topics it owns, read only what it subscribes to, and use only "
        "its own consumer group.",
    }
}


def kafka_servers(bootstrap: str, *, security: KafkaSecurity) -> dict[str, JsonSchema]:
    """One server per bootstrap address (`host:port`, comma-separated, as clients take it)."""
    hosts = [host.strip() for host in bootstrap.split(",") if host.strip()]
    if not hosts:
        raise ValueError("the Kafka bootstrap names no broker")
    match security:
        case "SASL_SSL":
            server: JsonSchema = {
                "protocol": "kafka-secure",
                "description": "Kafka over TLS; clients log in with SASL SCRAM-SHA-512.",
                "security": [{"$ref": f"#/components/securitySchemes/{SCRAM_SCHEME}"}],
            }
        case "PLAINTEXT":
            server = {"protocol": "kafka", "description": "Kafka without TLS or login."}
        case _:
            assert_never(security)
    if len(hosts) == 1:
        return {"kafka": {"host": hosts[0], **server}}
    return {f"kafka-{n}": {"host": host, **server} for n, host in enumerate(hosts, start=1)}


def key_binding(key: JsonSchema) -> JsonSchema:
    """The Kafka message binding that describes a record's key."""
    return {"kafka": {"key": key, "bindingVersion": BINDING_VERSION}}


def event_key(aggregate_id: str) -> JsonSchema:
    """The key of an event PeerLink publishes: its aggregate's id, e.g. `person id`."""
    aggregate = aggregate_id.removesuffix(" id")
    return {
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_ID_LENGTH,
        "description": f"The {aggregate_id}, as the envelope's `subject` (UTF-8): every event "
        f"of one {aggregate} goes to one partition, in order.",
    }


def event_headers(event_type: str) -> JsonSchema:
    return {
        "type": "object",
        "description": "Headers PeerLink sets on every event it publishes, so that routers "
        "can act without parsing the body. The body, a CloudEvent in structured mode, is "
        "authoritative: consumers read only the body, and ignore headers on receipt. Values "
        "are UTF-8.",
        "properties": {
            CONTENT_TYPE_HEADER: {
                "type": "string",
                "const": ENVELOPE_CONTENT_TYPE,
                "description": "The body is a CloudEvents JSON document (structured mode).",
            },
            EVENT_TYPE_HEADER: {
                "type": "string",
                "const": event_type,
                "description": "The envelope's `type`, under its CloudEvents Kafka binding name.",
            },
            CORRELATION_ID_HEADER: {
                "type": "string",
                "maxLength": MAX_ID_LENGTH,
                "description": "The envelope's `correlationid`, shared by every event of one "
                "flow (FastStream's correlation header).",
            },
            dlq.REPLAYED_FROM_HEADER: {
                "type": "string",
                "description": "Only on a record replayed from a dead-letter topic by "
                "`peerlink-dlq replay`, which carries no other header: the dead letter's "
                "`<topic>:<partition>:<offset>`.",
            },
        },
    }


def dead_letter_message() -> JsonSchema:
    """A record a consumer refused, as it lands on `<topic>.dlq`."""
    digits = {"type": "string", "pattern": "^[0-9]+$"}
    return {
        "name": "dead-letter",
        "title": DEAD_LETTER_MESSAGE,
        "summary": "A refused record, copied byte for byte with the reason it was refused.",
        "description": "Nothing refused is dropped: the consumer copies the record here and "
        "moves on. Ops inspect and replay these with `peerlink-dlq`; a replay goes back to "
        "the original topic with the same key and value.",
        "contentType": DEAD_LETTER_CONTENT_TYPE,
        "payload": {
            "description": "The refused record's value, unchanged: it may be any bytes, JSON "
            "or not, UTF-8 or not."
        },
        "headers": {
            "type": "object",
            "required": [
                dlq.REASON_CODE_HEADER,
                dlq.REASON_HEADER,
                dlq.ORIGINAL_TOPIC_HEADER,
                dlq.ORIGINAL_PARTITION_HEADER,
                dlq.ORIGINAL_OFFSET_HEADER,
            ],
            "properties": {
                dlq.REASON_CODE_HEADER: {
                    "type": "string",
                    "enum": [code.value for code in ReasonCode],
                    "description": "Which check refused the record.",
                },
                dlq.REASON_HEADER: {
                    "type": "string",
                    "description": "What failed: field paths and error kinds, never the "
                    "values sent (they may be health data).",
                },
                dlq.ORIGINAL_TOPIC_HEADER: {
                    "type": "string",
                    "description": "The topic the record was refused from: this channel's "
                    "address without `.dlq`.",
                },
                dlq.ORIGINAL_PARTITION_HEADER: {
                    **digits,
                    "description": "Its partition there, in decimal.",
                },
                dlq.ORIGINAL_OFFSET_HEADER: {
                    **digits,
                    "description": "Its offset there, in decimal.",
                },
                dlq.ATTEMPTS_HEADER: {
                    **digits,
                    "description": "Only with `handler_failed`: how many times the handler was "
                    "tried before the record was dead-lettered.",
                },
                CONTENT_TYPE_HEADER: {
                    "type": "string",
                    "const": "",
                    "description": "Empty: the copied bytes are not known to be of any type.",
                },
                CORRELATION_ID_HEADER: {
                    "type": "string",
                    "description": "A fresh id given to the copy, not the refused event's "
                    "`correlationid` (which the bytes may not hold).",
                },
            },
        },
        "bindings": key_binding(
            {"description": "The refused record's key, unchanged (absent when it had none)."}
        ),
    }
