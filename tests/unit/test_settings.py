"""Settings refuse placeholder secrets and read PEERLINK_* variables."""

from __future__ import annotations

import pytest
from peerlink_intake.settings import IntakeSettings
from pydantic import ValidationError


@pytest.mark.parametrize("secret", ["changeme", "short", ""])
def test_placeholder_secrets_are_refused(monkeypatch: pytest.MonkeyPatch, secret: str) -> None:
    monkeypatch.setenv("PEERLINK_TOKEN_SECRET", secret)
    with pytest.raises(ValidationError, match="PEERLINK_TOKEN_SECRET"):
        IntakeSettings()


def test_environment_sets_the_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEERLINK_TOKEN_SECRET", "x" * 40)
    monkeypatch.setenv("PEERLINK_HTTP_PORT", "9999")
    monkeypatch.setenv("PEERLINK_TOPIC_PREFIX", "t1-")
    settings = IntakeSettings()
    assert settings.http_port == 9999
    assert settings.topics.person_events == "t1-person-events"
    assert settings.mongo_database == "peerlink_intake"
