"""Tokens are scoped to a centre and a role; a wrong secret or expiry is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from peerlink_shared.auth import InvalidToken, Role, issue_token, verify_token

SECRET = "s" * 40
NOW = datetime.now(UTC)


def test_a_token_carries_its_centre_and_role() -> None:
    token = issue_token(
        secret=SECRET,
        subject="c-1",
        centre="north",
        role=Role.COORDINATOR,
        now=NOW,
        ttl=timedelta(hours=1),
    )
    principal = verify_token(token, secret=SECRET)
    assert (principal.subject, principal.centre, principal.role) == (
        "c-1",
        "north",
        Role.COORDINATOR,
    )
    assert principal.may_act_for("north")
    assert not principal.may_act_for("south")


def test_ops_tokens_span_the_network() -> None:
    token = issue_token(
        secret=SECRET, subject="ops", centre="*", role=Role.OPS, now=NOW, ttl=timedelta(hours=1)
    )
    assert verify_token(token, secret=SECRET).may_act_for("anywhere")


@pytest.mark.parametrize(
    ("secret", "issued_at"),
    [("t" * 40, NOW), (SECRET, NOW - timedelta(hours=2))],
    ids=["other secret", "expired"],
)
def test_refused_tokens(secret: str, issued_at: datetime) -> None:
    token = issue_token(
        secret=secret,
        subject="c",
        centre="north",
        role=Role.COORDINATOR,
        now=issued_at,
        ttl=timedelta(hours=1),
    )
    with pytest.raises(InvalidToken):
        verify_token(token, secret=SECRET)


def test_garbage_is_refused() -> None:
    with pytest.raises(InvalidToken):
        verify_token("not-a-token", secret=SECRET)
