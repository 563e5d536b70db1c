"""Key-encryption keys (KEKs) and the data keys they wrap: pure AES-GCM, no I/O.

A data key is 256 random bits, one per person. It is stored only wrapped: AES-256-GCM under
a KEK, with the owner's id and the key id as associated data, so a wrapped key copied onto
another person's record does not open. The ring holds every KEK the operator still lists:
the first wraps, all unwrap (rotation: add a new first key, `peerlink-keys rotate`, then drop
the old one).
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEK_SETTING = "PEERLINK_KEY_ENCRYPTION_KEYS"
KEY_BYTES = 32
NONCE_BYTES = 12
KEK_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class KeyRingError(ValueError):
    """A KEK setting that cannot be used; the message names the setting, never a key."""


class UnwrapFailed(Exception):
    """A wrapped data key did not open: wrong KEK, unknown KEK id, or altered bytes."""


@dataclass(frozen=True)
class DataKey:
    """One person's data key, unwrapped. The secret stays out of every repr."""

    key_id: str
    secret: bytes = field(repr=False)


@dataclass(frozen=True)
class Wrapped:
    """A data key as the vault stores it."""

    key_id: str
    kek_id: str
    ciphertext: bytes = field(repr=False)


def new_data_key() -> DataKey:
    return DataKey(key_id=f"k{secrets.token_hex(8)}", secret=os.urandom(KEY_BYTES))


def new_kek_setting(kek_id: str = "kek1") -> str:
    """A fresh `id:base64key` value for the setting (local servers, devtools, tests)."""
    return f"{kek_id}:{base64.b64encode(os.urandom(KEY_BYTES)).decode()}"


def _wrap_aad(owner: str, key_id: str) -> bytes:
    return f"peerlink-data-key\x1f{owner}\x1f{key_id}".encode()


@dataclass(frozen=True)
class KeyRing:
    """The KEKs by id, `active` first in the setting."""

    active: str
    keks: dict[str, bytes] = field(repr=False)

    @classmethod
    def parse(cls, value: str | None) -> KeyRing:
        """`id:base64key[,id:base64key...]`, each key 32 bytes; errors never quote a key."""
        if not value or not value.strip():
            raise KeyRingError(f"{KEK_SETTING} is required: `id:base64key`, 32 random bytes")
        keks: dict[str, bytes] = {}
        for n, item in enumerate(value.split(",")):
            kek_id, colon, encoded = item.strip().partition(":")
            if not colon or not KEK_ID_PATTERN.fullmatch(kek_id):
                raise KeyRingError(f"{KEK_SETTING}: entry {n + 1} is not `id:base64key`")
            try:
                key = base64.b64decode(encoded.strip(), validate=True)
            except (binascii.Error, ValueError):
                raise KeyRingError(f"{KEK_SETTING}: entry {n + 1} is not base64") from None
            if len(key) != KEY_BYTES:
                raise KeyRingError(f"{KEK_SETTING}: entry {n + 1} must be {KEY_BYTES} bytes")
            if kek_id in keks:
                raise KeyRingError(f"{KEK_SETTING}: key id of entry {n + 1} is repeated")
            keks[kek_id] = key
        return cls(active=next(iter(keks)), keks=keks)

    def wrap(self, owner: str, key: DataKey) -> Wrapped:
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.keks[self.active]).encrypt(
            nonce, key.secret, _wrap_aad(owner, key.key_id)
        )
        return Wrapped(key_id=key.key_id, kek_id=self.active, ciphertext=nonce + sealed)

    def unwrap(self, owner: str, wrapped: Wrapped) -> DataKey:
        kek = self.keks.get(wrapped.kek_id)
        if kek is None:
            raise UnwrapFailed("the key-encryption key it was wrapped under is not configured")
        nonce, sealed = wrapped.ciphertext[:NONCE_BYTES], wrapped.ciphertext[NONCE_BYTES:]
        try:
            secret = AESGCM(kek).decrypt(nonce, sealed, _wrap_aad(owner, wrapped.key_id))
        except InvalidTag:
            raise UnwrapFailed("the wrapped data key failed authentication") from None
        return DataKey(key_id=wrapped.key_id, secret=secret)
