"""Data keys wrapped under key-encryption keys: what opens, what does not, and that no key
ever shows in an error, a repr or a settings dump."""

from __future__ import annotations

import base64
import os
import sys
from dataclasses import replace

import pytest
from peerlink_intake.settings import IntakeSettings
from peerlink_ops import keys_cli as cli
from peerlink_shared.keys import KeyRing, KeyRingError, UnwrapFailed, new_kek_setting
from peerlink_shared.keys.ring import new_data_key
from peerlink_shared.keys.settings import KeyVaultSettings
from peerlink_shared.runtime import ServiceRuntime
from pydantic import SecretStr, ValidationError

OLD = new_kek_setting("old")
NEW = new_kek_setting("new")


def test_a_wrapped_key_opens_for_its_owner_only() -> None:
    ring, key = KeyRing.parse(OLD), new_data_key()
    wrapped = ring.wrap("p-1", key)
    assert key.secret not in wrapped.ciphertext
    assert ring.unwrap("p-1", wrapped) == key
    with pytest.raises(UnwrapFailed):
        ring.unwrap("p-2", wrapped)  # moved to another person's record
    with pytest.raises(UnwrapFailed):
        ring.unwrap("p-1", replace(wrapped, key_id="k-other"))


def test_a_tampered_or_foreign_wrapping_does_not_open() -> None:
    ring = KeyRing.parse(OLD)
    wrapped = ring.wrap("p-1", new_data_key())
    flipped = bytes([wrapped.ciphertext[-1] ^ 1])
    with pytest.raises(UnwrapFailed, match="authentication"):
        ring.unwrap("p-1", replace(wrapped, ciphertext=wrapped.ciphertext[:-1] + flipped))
    stranger = KeyRing.parse(new_kek_setting("old"))  # same id, another key
    with pytest.raises(UnwrapFailed, match="authentication"):
        stranger.unwrap("p-1", wrapped)
    with pytest.raises(UnwrapFailed, match="not configured"):
        KeyRing.parse(NEW).unwrap("p-1", wrapped)


def test_rotation_wraps_under_the_first_and_still_opens_the_old() -> None:
    key = new_data_key()
    before = KeyRing.parse(OLD).wrap("p-1", key)
    rotated = KeyRing.parse(f"{NEW},{OLD}")
    assert rotated.active == "new"
    assert rotated.unwrap("p-1", before) == key
    after = rotated.wrap("p-1", key)
    assert after.kek_id == "new"
    assert KeyRing.parse(NEW).unwrap("p-1", after) == key


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (None, "is required"),
        ("  ", "is required"),
        ("nocolon", "entry 1 is not `id:base64key`"),
        ("bad id!:" + base64.b64encode(os.urandom(32)).decode(), "entry 1 is not `id:base64key`"),
        ("k:not base64!", "entry 1 is not base64"),
        ("k:" + base64.b64encode(os.urandom(16)).decode(), "entry 1 must be 32 bytes"),
        (f"{OLD},{OLD}", "entry 2 is repeated"),
    ],
)
def test_an_unusable_setting_is_refused_naming_it(value: str | None, problem: str) -> None:
    with pytest.raises(KeyRingError, match="PEERLINK_KEY_ENCRYPTION_KEYS") as refused:
        KeyRing.parse(value)
    assert problem in str(refused.value)
    if value and ":" in value:
        assert value.partition(":")[2].split(",")[0] not in str(refused.value)


def test_no_key_shows_in_a_repr_or_a_settings_dump() -> None:
    settings = IntakeSettings(token_secret=SecretStr("x" * 40), key_encryption_keys=SecretStr(OLD))
    kek = OLD.partition(":")[2]
    ring, key = settings.key_ring(), new_data_key()
    for shown in (repr(settings), str(settings.model_dump()), repr(ring), repr(key)):
        assert kek not in shown
        assert key.secret.hex() not in shown
        assert repr(key.secret) not in shown


def test_a_service_without_a_kek_refuses_to_start_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PEERLINK_KEY_ENCRYPTION_KEYS", raising=False)
    settings = IntakeSettings(token_secret=SecretStr("x" * 40))
    with pytest.raises(KeyRingError, match="PEERLINK_KEY_ENCRYPTION_KEYS is required"):
        ServiceRuntime(service="intake", settings=settings)


@pytest.mark.parametrize("name", ["", "a.b", "$keys", "a b", "a/b", "x" * 64, "k\x00"])
def test_a_vault_database_name_that_means_something_else_is_refused(name: str) -> None:
    with pytest.raises(ValidationError, match="key_vault_db"):
        KeyVaultSettings(key_vault_db=name)


def test_new_kek_prints_an_entry_the_setting_accepts(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["peerlink-keys", "new-kek", "--id", "kek2"])
    cli.main()
    printed = capsys.readouterr().out.strip()
    ring = KeyRing.parse(printed)
    assert ring.active == "kek2"
    assert printed != new_kek_setting("kek2")  # random each time
