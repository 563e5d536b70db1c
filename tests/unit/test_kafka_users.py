"""Retiring a clinic's login never deletes a SCRAM user (see kafka_users.retire_scram_users)."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from confluent_kafka.admin import UserScramCredentialUpsertion
from peerlink_ops import kafka_users
from peerlink_shared.messaging.kafka_access import KafkaAccess
from pydantic import SecretStr


class RecordingAdmin:
    sent: ClassVar[list[Any]] = []

    def __init__(self, config: dict[str, Any]) -> None:
        pass

    def alter_user_scram_credentials(self, alterations: list[Any]) -> dict[str, Any]:
        RecordingAdmin.sent.extend(alterations)
        return {}


async def test_retiring_users_only_upserts_passwords_nobody_keeps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(kafka_users, "AdminClient", RecordingAdmin)
    kafka = KafkaAccess(
        bootstrap="127.0.0.1:1",
        security_protocol="SASL_SSL",
        sasl_mechanism="SCRAM-SHA-512",
        username="admin",
        password=SecretStr("not-used"),
    )
    await kafka_users.retire_scram_users(kafka, ["clinic-a", "clinic-b"])
    sent = RecordingAdmin.sent
    assert [type(a) for a in sent] == [UserScramCredentialUpsertion] * 2
    assert [a.user for a in sent] == ["clinic-a", "clinic-b"]
    assert sent[0].password != sent[1].password and len(sent[0].password) >= 32
