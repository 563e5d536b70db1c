"""`peerlink-token` mints what the services accept, and never a `*` token for a non-ops role."""

from __future__ import annotations

import pytest
from peerlink_ops import auth_cli
from peerlink_shared.security.auth import InvalidToken, Role, audience_of
from peerlink_shared.security.auth_settings import TokenSettings

SECRET = "c" * 40


def run(monkeypatch: pytest.MonkeyPatch, *args: str) -> None:
    monkeypatch.setenv("PEERLINK_TOKEN_SECRET", SECRET)
    monkeypatch.setattr("sys.argv", ["peerlink-token", *args])
    auth_cli.main()


def test_the_token_is_accepted_by_the_service_it_names(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run(
        monkeypatch,
        "--role",
        "supporter",
        "--centre",
        "north",
        "--subject",
        "p-1",
        "--service",
        "notifications",
    )
    token = capsys.readouterr().out.strip()
    settings = TokenSettings()
    principal = settings.token_verifier(audience=audience_of("notifications")).verify(token)
    assert (principal.subject, principal.role) == ("p-1", Role.SUPPORTER)
    assert "(aud)" in _refusal(settings, token, audience_of("intake"))


def _refusal(settings: TokenSettings, token: str, audience: str) -> str:
    with pytest.raises(InvalidToken) as refusal:
        settings.token_verifier(audience=audience).verify(token)
    return str(refusal.value)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--role", "coordinator", "--centre", "*"], "only for the ops role"),
        (["--role", "clinic_system", "--centre", "*"], "only for the ops role"),
        (["--role", "ops", "--centre", "*", "--hours", "13"], "maximum lifetime"),
        (["--role", "ops", "--centre", "*", "--hours", "0"], "above 0"),
    ],
)
def test_what_the_services_would_refuse_is_never_minted(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    says: str,
) -> None:
    with pytest.raises(SystemExit) as exit_:
        run(monkeypatch, *args, "--subject", "s-1")
    assert exit_.value.code == 2
    captured = capsys.readouterr()
    assert says in captured.err
    assert captured.out == ""
