"""Settings refuse placeholder secrets and read PEERLINK_* variables."""

from __future__ import annotations

import pytest
from peerlink_intake.settings import IntakeSettings
from peerlink_notifications.settings import NotificationsSettings
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


def notifications_settings(**env: str) -> NotificationsSettings:
    return NotificationsSettings.model_validate({"token_secret": "x" * 40, **env})


@pytest.mark.parametrize(
    ("env", "message"),
    [
        pytest.param(
            {"smtp_username": "relay-user", "smtp_password": "pw-123456"},
            "never sent over plaintext",
            id="credentials without required TLS",
        ),
        pytest.param(
            {"smtp_username": "relay-user", "smtp_tls": "starttls"},
            "go together",
            id="a username without a password",
        ),
        pytest.param(
            {"smtp_password": "pw-123456", "smtp_tls": "implicit"},
            "go together",
            id="a password without a username",
        ),
        pytest.param({"smtp_tls": "maybe"}, "smtp_tls", id="an unknown TLS mode"),
    ],
)
def test_smtp_credentials_need_required_tls(env: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message) as refused:
        notifications_settings(**env)
    assert "pw-123456" not in str(refused.value)


@pytest.mark.parametrize("tls", ["starttls", "implicit"])
def test_smtp_credentials_are_taken_with_required_tls(tls: str) -> None:
    settings = notifications_settings(
        smtp_username="relay-user", smtp_password="pw-123456", smtp_tls=tls
    )
    assert settings.smtp_password is not None
    assert "pw-123456" not in repr(settings)
    assert settings.smtp_password.get_secret_value() == "pw-123456"


def test_webhooks_to_local_receivers_are_off_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    assert notifications_settings().webhook_allow_insecure_local is False
    assert notifications_settings().smtp_tls == "opportunistic"
    monkeypatch.setenv("PEERLINK_WEBHOOK_ALLOW_INSECURE_LOCAL", "true")
    monkeypatch.setenv("PEERLINK_TOKEN_SECRET", "x" * 40)
    assert NotificationsSettings().webhook_allow_insecure_local is True
