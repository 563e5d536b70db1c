"""`peerlink-keys`: operates the key vault.

    peerlink-keys rotate      rewrap every data key under the first (active) KEK
    peerlink-keys new-kek     print a fresh `id:base64key` entry for the setting

Rotation: put the new KEK first in PEERLINK_KEY_ENCRYPTION_KEYS (the old ones after it),
restart the services, run `peerlink-keys rotate`, then drop the old KEK from the setting.
The vault is found by PEERLINK_MONGO_URL and PEERLINK_KEY_VAULT_DB.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime

from peerlink_shared.keys.ring import KeyRingError, new_kek_setting
from peerlink_shared.keys.settings import KeyVaultSettings
from peerlink_shared.keys.vault import PersonKeys
from peerlink_shared.storage.mongo import make_mongo_client
from pydantic import ValidationError


class VaultCliSettings(KeyVaultSettings):
    mongo_url: str = "mongodb://127.0.0.1:27027/?directConnection=true"


def main() -> None:
    parser = argparse.ArgumentParser(prog="peerlink-keys")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("rotate", help="rewrap every data key under the active KEK")
    new = commands.add_parser("new-kek", help="print a fresh `id:base64key` entry")
    new.add_argument("--id", default="kek1", help="the new KEK's id; default kek1")
    args = parser.parse_args()
    if args.command == "new-kek":
        print(new_kek_setting(args.id))
        return
    try:
        settings = VaultCliSettings()
        ring = settings.key_ring()
    except (ValidationError, KeyRingError) as error:
        parser.error(f"key vault settings: {error}")
    count = asyncio.run(rotate(settings))
    print(f"rewrapped {count} data keys under {ring.active}")


async def rotate(settings: VaultCliSettings) -> int:
    client = make_mongo_client(settings.mongo_url)
    try:
        keys = PersonKeys(
            client[settings.key_vault_db], ring=settings.key_ring(), now=lambda: datetime.now(UTC)
        )
        return await keys.rewrap()
    finally:
        await client.close()
