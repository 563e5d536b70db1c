"""Settings refuse placeholder secrets and read PEERLINK_* variables, token keys included."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from peerlink_eligibility.settings import EligibilitySettings
from peerlink_intake.settings import IntakeSettings
from peerlink_notifications.settings import NotificationsSettings
from peerlink_scheduling.settings import SchedulingSettings
from peerlink_shared.security.auth import TokenRules
from pydantic import ValidationError

SERVICE_SETTINGS = (IntakeSettings, EligibilitySettings, SchedulingSettings, NotificationsSettings)


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


def test_each_service_accepts_tokens_for_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEERLINK_TOKEN_SECRET", "x" * 40)
    assert [settings().token_audience for settings in SERVICE_SETTINGS] == [
        "peerlink-intake",
        "peerlink-eligibility",
        "peerlink-scheduling",
        "peerlink-notifications",
    ]


def test_a_single_secret_is_one_key_under_the_default_id(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEERLINK_TOKEN_SECRET", "x" * 40)
    keys = IntakeSettings().signing_keys()
    assert list(keys.by_kid) == ["default"]
    assert keys.signing.secret.get_secret_value() == "x" * 40


def test_rotation_keys_sign_with_the_newest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEERLINK_TOKEN_SECRET", "x" * 40)
    monkeypatch.setenv("PEERLINK_TOKEN_KEYS", json.dumps({"2026-10": "y" * 40}))
    keys = IntakeSettings().signing_keys()
    assert list(keys.by_kid) == ["default", "2026-10"]
    assert keys.signing_kid == "2026-10"
    monkeypatch.setenv("PEERLINK_TOKEN_SIGNING_KID", "default")
    assert IntakeSettings().signing_keys().signing_kid == "default"


@pytest.mark.parametrize(
    ("variables", "says"),
    [
        ({}, "PEERLINK_TOKEN_SECRET or PEERLINK_TOKEN_KEYS is required"),
        ({"PEERLINK_TOKEN_KEYS": '{"a": "changeme"}'}, r"PEERLINK_TOKEN_KEYS\[a\]"),
        ({"PEERLINK_TOKEN_KEYS": '{"a.b": "' + "y" * 40 + '"}'}, "a key id is"),
        (
            {
                "PEERLINK_TOKEN_SECRET": "x" * 40,
                "PEERLINK_TOKEN_KEYS": '{"default": "' + "y" * 40 + '"}',
            },
            "PEERLINK_TOKEN_SECRET_KID is also a key id",
        ),
        (
            {"PEERLINK_TOKEN_SECRET": "x" * 40, "PEERLINK_TOKEN_SIGNING_KID": "other"},
            "PEERLINK_TOKEN_SIGNING_KID is not one of the key ids",
        ),
        ({"PEERLINK_TOKEN_SECRET": "x" * 40, "PEERLINK_TOKEN_LEEWAY_SECONDS": "3600"}, "leeway"),
        (
            {"PEERLINK_TOKEN_SECRET": "x" * 40, "PEERLINK_TOKEN_MAX_LIFETIME_SECONDS": "0"},
            "max_lifetime",
        ),
    ],
)
def test_incomplete_or_weak_token_keys_are_refused(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], says: str
) -> None:
    monkeypatch.delenv("PEERLINK_TOKEN_SECRET", raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=says):
        IntakeSettings()


def test_the_token_rules_come_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEERLINK_TOKEN_SECRET", "x" * 40)
    monkeypatch.setenv("PEERLINK_TOKEN_ISSUER", "https://peerlink.example")
    monkeypatch.setenv("PEERLINK_TOKEN_MAX_LIFETIME_SECONDS", "3600")
    monkeypatch.setenv("PEERLINK_TOKEN_LEEWAY_SECONDS", "30")
    settings = SchedulingSettings()
    assert settings.token_rules(audience=settings.token_audience) == TokenRules(
        issuer="https://peerlink.example",
        audience="peerlink-scheduling",
        max_lifetime=timedelta(hours=1),
        leeway=timedelta(seconds=30),
    )


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
