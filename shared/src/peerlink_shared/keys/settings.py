"""Key vault settings (PEERLINK_KEY_*), read by every service and by `peerlink-keys`."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from peerlink_shared.keys.ring import KeyRing
from peerlink_shared.keys.vault import DEFAULT_CACHE_SECONDS

# A MongoDB database name: no '/', '\', '.', ' ', '"', '$' (and short).
DATABASE_NAME_PATTERN = r"^[A-Za-z0-9_-]{1,63}$"


class KeyVaultSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PEERLINK_", extra="ignore", hide_input_in_errors=True
    )

    key_encryption_keys: SecretStr | None = Field(
        default=None,
        description="`id:base64key[,id:base64key...]`: 32-byte key-encryption keys; the first "
        "wraps new data keys, all unwrap (rotation). Required: a service without it refuses "
        "to start.",
    )
    key_vault_db: str = Field(
        default="peerlink_keys",
        pattern=DATABASE_NAME_PATTERN,
        description="The database holding every person's wrapped data key.",
    )
    key_cache_seconds: float = Field(
        default=DEFAULT_CACHE_SECONDS,
        ge=0,
        le=300,
        description="How long a process keeps an unwrapped data key: an erased person's key "
        "may still open in a running process for this long.",
    )

    def key_ring(self) -> KeyRing:
        """The KEKs; raises KeyRingError naming PEERLINK_KEY_ENCRYPTION_KEYS if unusable."""
        value = self.key_encryption_keys
        return KeyRing.parse(None if value is None else value.get_secret_value())
