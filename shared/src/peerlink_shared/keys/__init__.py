"""Per-person data keys: the vault (wrapped under key-encryption keys) and its settings."""

from peerlink_shared.keys.ring import (
    KEK_SETTING,
    DataKey,
    KeyRing,
    KeyRingError,
    UnwrapFailed,
    new_kek_setting,
)
from peerlink_shared.keys.vault import PersonKeyDestroyed, PersonKeys

__all__ = [
    "KEK_SETTING",
    "DataKey",
    "KeyRing",
    "KeyRingError",
    "PersonKeyDestroyed",
    "PersonKeys",
    "UnwrapFailed",
    "new_kek_setting",
]
