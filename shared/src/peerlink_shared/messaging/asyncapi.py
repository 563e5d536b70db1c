"""The AsyncAPI 3.0 document of a service: the topics it reads and writes and the dead-letter
topics it writes refusals to, every message's CloudEvents envelope, versioned payload
schema, headers and key, and the servers with how to log in to them.

Written here rather than by FastStream's generator because our subscribers take raw bytes
(so that invalid input reaches our dead-letter path instead of failing inside the
framework); FastStream derives schemas from typed handler arguments, which we do not have.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from pydantic import BaseModel

from peerlink_shared.contracts import Payload
from peerlink_shared.messaging.asyncapi_kafka import (
    BINDING_VERSION,
    DEAD_LETTER_MESSAGE,
    SECURITY_SCHEMES,
    JsonSchema,
    KafkaSecurity,
    dead_letter_message,
    event_headers,
    event_key,
    kafka_servers,
    key_binding,
)
from peerlink_shared.messaging.envelope import Envelope
from peerlink_shared.messaging.kafka import ENVELOPE_CONTENT_TYPE
from peerlink_shared.messaging.sealing import SEALED_FIELD, readable_fields
from peerlink_shared.messaging.topics import (
    CATALOGUE,
    CLINIC_INBOUND,
    CLINIC_INBOUND_SPEC,
    TopicSpec,
    dead_letter_topic,
)

REF = "#/components/schemas/{model}"
Action = Literal["send", "receive"]
ABOUT = (
    "Every event is a CloudEvents 1.0 JSON document in structured mode, its `data` a "
    "versioned payload, keyed by its `subject` so that one aggregate's events stay in order. "
    "A record a consumer refuses is never dropped: it is copied unchanged to `<topic>.dlq` "
    "with the reason in `x-dlq-*` headers. Health facts (person events, the reasons of "
    "eligibility changes) travel sealed: `data` keeps its `*_id` fields and holds the rest "
    "in `sealed`, AES-256-GCM under the person's data key, whose id is the `personkeyid` "
    "extension attribute; the associated data is the JSON array [id, type, personkeyid, "
    "the readable fields]. Once the person's key is destroyed (erasure) no copy opens."
)
SEALED_DATA = (
    "The payload of {payload}, sealed: its ids readable, every other field in `sealed`. "
    "Opened with the person's data key it is exactly the {payload} schema."
)


@dataclass(frozen=True)
class Channel:
    address: str  # the concrete topic name, or a template holding `{parameter}`s
    payloads: Sequence[type[Payload]]
    catalogue_name: str  # its entry in the topic catalogue
    parameters: Mapping[str, str] = field(default_factory=dict)  # a template's, described

    def __post_init__(self) -> None:
        named = set(re.findall(r"\{([^{}]*)\}", self.address))
        if named != set(self.parameters):
            raise ValueError(
                f"address {self.address!r} holds parameters {sorted(named)}, "
                f"but {sorted(self.parameters)} are described"
            )


def _schema(model: type[BaseModel], schemas: dict[str, JsonSchema]) -> JsonSchema:
    schema = model.model_json_schema(ref_template=REF, mode="serialization")
    schemas.update(schema.pop("$defs", {}))
    schemas[model.__name__] = schema
    return {"$ref": REF.format(model=model.__name__)}


def _sealed_schema(payload: type[Payload], schemas: dict[str, JsonSchema]) -> JsonSchema:
    """`data` as it travels sealed: the payload's ids, and the rest in `sealed`."""
    _schema(payload, schemas)  # what it opens to, documented beside it
    whole = schemas[payload.__name__]
    readable = sorted(readable_fields(payload))
    title = f"{payload.__name__}Sealed"
    schemas[title] = {
        "title": title,
        "type": "object",
        "description": SEALED_DATA.format(payload=payload.__name__),
        "properties": {
            **{name: whole["properties"][name] for name in readable},
            SEALED_FIELD: {
                "type": "string",
                "contentEncoding": "base64",
                "description": "base64(12-byte nonce || AES-256-GCM ciphertext and tag) of "
                "the JSON object of every other field.",
            },
        },
        "required": [*[name for name in readable if name in whole.get("required", [])], "sealed"],
    }
    return {"$ref": REF.format(model=title)}


def _message(
    payload: type[Payload], spec: TopicSpec, schemas: dict[str, JsonSchema], *, sealed: bool
) -> JsonSchema:
    sealed = sealed and payload.SEALED
    data = _sealed_schema(payload, schemas) if sealed else _schema(payload, schemas)
    name = f"{payload.__name__}Sealed" if sealed else payload.__name__
    envelope = Envelope.model_json_schema(ref_template=REF, mode="serialization")
    envelope["title"] = f"{name}Event"
    envelope["properties"]["type"] = {"const": payload.event_type(), "type": "string"}
    envelope["properties"]["data"] = data
    schemas[envelope["title"]] = envelope
    return {
        "name": payload.event_type(),
        "title": name,
        "summary": (payload.__doc__ or payload.__name__).strip().splitlines()[0],
        "contentType": ENVELOPE_CONTENT_TYPE,
        "headers": event_headers(payload.event_type()),
        "payload": {"$ref": REF.format(model=envelope["title"])},
        "bindings": key_binding(event_key(spec.key)),
    }


@dataclass
class _Document:
    """The parts of a document as they are gathered, channel by channel."""

    schemas: dict[str, JsonSchema] = field(default_factory=dict)
    messages: dict[str, JsonSchema] = field(default_factory=dict)
    channels: dict[str, JsonSchema] = field(default_factory=dict)
    operations: dict[str, JsonSchema] = field(default_factory=dict)

    def add_events(self, action: Action, channel: Channel, spec: TopicSpec) -> None:
        names = []
        # Clinic systems hold no keys: what they send is plain; everything else is sealed.
        sealed = channel.catalogue_name != CLINIC_INBOUND
        for payload in channel.payloads:
            message = _message(payload, spec, self.schemas, sealed=sealed)
            known = self.messages.setdefault(message["title"], message)
            if known["bindings"] != message["bindings"]:
                raise ValueError(f"{payload.__name__} is keyed differently on two topics")
            names.append(message["title"])
        description = (
            f"{spec.description} Key: {spec.key}. "
            f"Refused events go to {dead_letter_topic(channel.address)}."
        )
        self._add(
            action,
            channel.catalogue_name,
            channel=channel,
            spec=spec,
            messages=names,
            description=description,
        )

    def add_dead_letters(self, channel: Channel, spec: TopicSpec) -> None:
        """The dead-letter topic a receiver copies what it refuses on `channel` to."""
        self.messages[DEAD_LETTER_MESSAGE] = dead_letter_message()
        description = (
            f"Dead letters of {channel.address}: each record refused there, unchanged, with "
            "the reason. Ops read and replay them with `peerlink-dlq`."
        )
        self._add(
            "send",
            f"{channel.catalogue_name}-dlq",
            channel=replace(channel, address=dead_letter_topic(channel.address), payloads=()),
            spec=spec,
            messages=[DEAD_LETTER_MESSAGE],
            description=description,
        )

    def _add(
        self,
        action: Action,
        name: str,
        *,
        channel: Channel,
        spec: TopicSpec,
        messages: Sequence[str],
        description: str,
    ) -> None:
        """A channel, its messages by reference (components), and this service's operation."""
        self.channels[name] = {
            "address": channel.address,
            "description": description,
            "messages": {key: {"$ref": f"#/components/messages/{key}"} for key in messages},
            "bindings": {
                "kafka": {"partitions": spec.partitions, "bindingVersion": BINDING_VERSION}
            },
        }
        if channel.parameters:
            self.channels[name]["parameters"] = {
                key: {"description": text} for key, text in channel.parameters.items()
            }
        self.operations[f"{action}-{name}"] = {
            "action": action,
            "channel": {"$ref": f"#/channels/{name}"},
            "messages": [{"$ref": f"#/channels/{name}/messages/{key}"} for key in messages],
        }


def asyncapi_document(
    *,
    title: str,
    version: str,
    bootstrap: str,
    security: KafkaSecurity = "SASL_SSL",
    sends: Sequence[Channel],
    receives: Sequence[Channel],
) -> JsonSchema:
    """`bootstrap` is the service's own Kafka bootstrap (comma-separated `host:port`s)."""
    specs = {spec.name: spec for spec in CATALOGUE} | {CLINIC_INBOUND: CLINIC_INBOUND_SPEC}
    document = _Document()
    directions: tuple[tuple[Action, Sequence[Channel]], ...] = (
        ("send", sends),
        ("receive", receives),
    )
    for action, listed in directions:
        for channel in listed:
            document.add_events(action, channel, specs[channel.catalogue_name])
    for channel in receives:
        document.add_dead_letters(channel, specs[channel.catalogue_name])
    return {
        "asyncapi": "3.0.0",
        "info": {"title": title, "version": version, "description": ABOUT},
        "defaultContentType": ENVELOPE_CONTENT_TYPE,
        "servers": kafka_servers(bootstrap, security=security),
        "channels": document.channels,
        "operations": document.operations,
        "components": {
            "messages": document.messages,
            "schemas": document.schemas,
            "securitySchemes": SECURITY_SCHEMES,
        },
    }
