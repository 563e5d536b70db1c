"""Sealed payloads: the health facts of an event, encrypted under its person's data key.

A sealed event keeps its ids readable and hides the rest:

    data = {"person_id": "p-7f3a9c", "centre_id": "north-house", "sealed": "<base64>"}
    personkeyid = "k1f0c..."   (CloudEvents extension attribute: the data key's id)

`sealed` is base64(nonce || AES-256-GCM ciphertext) of the JSON object of every other
payload field. The associated data binds the ciphertext to the event's id and type, the key
id and the readable fields, so it cannot be moved to another event or person, nor its ids
changed, without failing authentication. Which types are sealed, and which of their fields
stay readable, the contracts say (`Payload.SEALED`, fields named `*_id`).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from typing import cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import JsonValue

from peerlink_shared.contracts import PAYLOAD_BY_TYPE, Payload
from peerlink_shared.keys import DataKey
from peerlink_shared.messaging.envelope import Envelope
from peerlink_shared.messaging.strict_json import JsonRefusal, loads

SEALED_FIELD = "sealed"
PERSON_FIELD = "person_id"
NONCE_BYTES = 12


class SealBroken(Exception):
    """A sealed payload that does not open with its person's key: altered, moved or
    malformed. The message says which, never what it holds."""


def readable_fields(model: type[Payload]) -> frozenset[str]:
    """Ids stay readable (routing, keys, dead-letter tooling); everything else is sealed."""
    return frozenset(name for name in model.model_fields if name.endswith("_id"))


def is_sealed_type(event_type: str) -> bool:
    model = PAYLOAD_BY_TYPE.get(event_type)
    return model is not None and model.SEALED


def person_of(envelope: Envelope) -> str | None:
    person = envelope.data.get(PERSON_FIELD)
    return person if isinstance(person, str) else None


def _aad(envelope: Envelope, key_id: str, readable: dict[str, JsonValue]) -> bytes:
    bound = [envelope.id, envelope.type, key_id, readable]
    return json.dumps(bound, sort_keys=True, separators=(",", ":")).encode()


def seal(envelope: Envelope, key: DataKey) -> Envelope:
    """The envelope with every non-id payload field sealed under `key`."""
    model = PAYLOAD_BY_TYPE[envelope.type]
    shown = readable_fields(model)
    readable = {name: value for name, value in envelope.data.items() if name in shown}
    hidden = {name: value for name, value in envelope.data.items() if name not in shown}
    plaintext = json.dumps(hidden, sort_keys=True, separators=(",", ":")).encode()
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(key.secret).encrypt(nonce, plaintext, _aad(envelope, key.key_id, readable))
    sealed = base64.b64encode(nonce + ciphertext).decode()
    return envelope.model_copy(
        update={"data": {**readable, SEALED_FIELD: sealed}, "personkeyid": key.key_id}
    )


def open_sealed(envelope: Envelope, key: DataKey) -> Envelope:
    """The envelope with its payload whole again; raises SealBroken."""
    if envelope.personkeyid != key.key_id:
        raise SealBroken("sealed under a key id that is not the person's key")
    readable = {name: value for name, value in envelope.data.items() if name != SEALED_FIELD}
    encoded = envelope.data.get(SEALED_FIELD)
    if not isinstance(encoded, str):
        raise SealBroken(f"data.{SEALED_FIELD} is missing or not a string")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise SealBroken(f"data.{SEALED_FIELD} is not base64") from None
    nonce, ciphertext = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
    try:
        plaintext = AESGCM(key.secret).decrypt(
            nonce, ciphertext, _aad(envelope, key.key_id, readable)
        )
    except (InvalidTag, ValueError):
        raise SealBroken("sealed payload failed authentication") from None
    # Held only by key holders, but read as strictly as any body from Kafka.
    hidden = loads(plaintext)
    if isinstance(hidden, JsonRefusal) or not isinstance(hidden, dict):
        raise SealBroken("sealed payload is not a JSON object")
    if set(hidden) & set(readable):
        raise SealBroken("sealed payload is not an object of the other fields")
    data = cast(dict[str, JsonValue], {**readable, **hidden})
    return envelope.model_copy(update={"data": data, "personkeyid": None})
