"""Field-level encryption at rest: one string value sealed under its owner's data key.

A stored value is base64(nonce || AES-256-GCM ciphertext); the associated data names the
document, the field and the key id, so a value copied to another field or document does
not open. Destroying the owner's key (erasure) leaves every such value unreadable.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from peerlink_shared.keys.ring import NONCE_BYTES, DataKey


class FieldBroken(Exception):
    """A stored value that does not open with its owner's key; never quotes the value."""


def _aad(key: DataKey, *, document: str, field: str) -> bytes:
    return f"peerlink-field\x1f{document}\x1f{field}\x1f{key.key_id}".encode()


def seal_value(key: DataKey, value: str, *, document: str, field: str) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key.secret).encrypt(
        nonce, value.encode(), _aad(key, document=document, field=field)
    )
    return base64.b64encode(nonce + sealed).decode()


def open_value(key: DataKey, stored: str, *, document: str, field: str) -> str:
    try:
        raw = base64.b64decode(stored, validate=True)
        plain = AESGCM(key.secret).decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], _aad(key, document=document, field=field)
        )
        return plain.decode()
    except (binascii.Error, ValueError, InvalidTag, UnicodeDecodeError):
        raise FieldBroken(f"{field} of {document} does not open with its key") from None
