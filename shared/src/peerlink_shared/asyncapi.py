"""The AsyncAPI 3.0 document of a service: the topics it reads and writes, every message's
CloudEvents envelope and versioned payload schema, and each topic's key.

Written here rather than by FastStream's generator because our subscribers take raw bytes
(so that invalid input reaches our dead-letter path instead of failing inside the
framework); FastStream derives schemas from typed handler arguments, which we do not have.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from peerlink_shared.contracts import Payload
from peerlink_shared.envelope import Envelope
from peerlink_shared.kafka import ENVELOPE_CONTENT_TYPE
from peerlink_shared.topics import CATALOGUE, CLINIC_INBOUND, CLINIC_INBOUND_SPEC, dead_letter_topic

JsonSchema = dict[str, Any]
REF = "#/components/schemas/{model}"


@dataclass(frozen=True)
class Channel:
    address: str  # the concrete topic name, or a template: `{clinic}` for each clinic's
    payloads: Sequence[type[Payload]]
    catalogue_name: str  # its entry in the topic catalogue (or `clinic-inbound`)


def _schema(model: type[BaseModel], schemas: dict[str, JsonSchema]) -> JsonSchema:
    schema = model.model_json_schema(ref_template=REF, mode="serialization")
    schemas.update(schema.pop("$defs", {}))
    schemas[model.__name__] = schema
    return {"$ref": REF.format(model=model.__name__)}


def _message(payload: type[Payload], schemas: dict[str, JsonSchema]) -> JsonSchema:
    data = _schema(payload, schemas)
    envelope = Envelope.model_json_schema(ref_template=REF, mode="serialization")
    envelope["title"] = f"{payload.__name__}Event"
    envelope["properties"]["type"] = {"const": payload.event_type(), "type": "string"}
    envelope["properties"]["data"] = data
    schemas[envelope["title"]] = envelope
    return {
        "name": payload.event_type(),
        "title": payload.__name__,
        "summary": (payload.__doc__ or payload.__name__).strip().splitlines()[0],
        "contentType": ENVELOPE_CONTENT_TYPE,
        "payload": {"$ref": REF.format(model=envelope["title"])},
    }


def asyncapi_document(
    *, title: str, version: str, sends: Sequence[Channel], receives: Sequence[Channel]
) -> JsonSchema:
    specs = {spec.name: spec for spec in CATALOGUE} | {CLINIC_INBOUND: CLINIC_INBOUND_SPEC}
    schemas: dict[str, JsonSchema] = {}
    messages: dict[str, JsonSchema] = {}
    channels: dict[str, JsonSchema] = {}
    operations: dict[str, JsonSchema] = {}
    for action, listed in (("send", sends), ("receive", receives)):
        for channel in listed:
            spec = specs[channel.catalogue_name]
            refs = {}
            for payload in channel.payloads:
                key = payload.__name__
                messages[key] = _message(payload, schemas)
                refs[key] = {"$ref": f"#/components/messages/{key}"}
            channels[channel.catalogue_name] = {
                "address": channel.address,
                "description": f"{spec.description} Key: {spec.key}. "
                f"Refused events go to {dead_letter_topic(channel.address)}.",
                "messages": refs,
                "bindings": {"kafka": {"partitions": spec.partitions, "bindingVersion": "0.5.0"}},
            }
            if "{clinic}" in channel.address:
                channels[channel.catalogue_name]["parameters"] = {
                    "clinic": {
                        "description": "The clinic system's id, given when it is added. Only "
                        "that clinic's Kafka principal may write its topic: intake knows the "
                        "sender from the topic, and records facts only about persons at the "
                        "centres the clinic may act for (else `sender_not_allowed`)."
                    }
                }
            operations[f"{action}-{channel.catalogue_name}"] = {
                "action": action,
                "channel": {"$ref": f"#/channels/{channel.catalogue_name}"},
                "messages": [
                    {"$ref": f"#/channels/{channel.catalogue_name}/messages/{name}"}
                    for name in refs
                ],
            }
    return {
        "asyncapi": "3.0.0",
        "info": {"title": title, "version": version},
        "defaultContentType": ENVELOPE_CONTENT_TYPE,
        "servers": {"kafka": {"host": "kafka:9092", "protocol": "kafka"}},
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }
