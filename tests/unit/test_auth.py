"""Local (HS256) tokens: scoped to a centre and a role, meant for named services, issued by
a known issuer, short-lived, and signed by an active key chosen by its id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from peerlink_shared.security.auth import ALL_AUDIENCES, InvalidToken, Role, TokenRules, audience_of
from peerlink_shared.security.auth_local import (
    LocalTokenVerifier,
    SigningKey,
    SigningKeys,
    issue_token,
)
from pydantic import SecretStr

from tests.fakes.clock import MovableClock

OLD = SigningKey("2026-01", SecretStr("o" * 40))
NEW = SigningKey("2026-07", SecretStr("n" * 40))
NOW = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
ISSUER = "peerlink-test"
RULES = TokenRules(
    issuer=ISSUER,
    audience=audience_of("intake"),
    max_lifetime=timedelta(hours=12),
    leeway=timedelta(seconds=60),
)


def verifier(
    *keys: SigningKey, rules: TokenRules = RULES, at: datetime = NOW
) -> LocalTokenVerifier:
    active = SigningKeys(by_kid={key.kid: key.secret for key in keys}, signing_kid=keys[-1].kid)
    return LocalTokenVerifier(keys=active, rules=rules, clock=MovableClock(at))


def token(
    *,
    key: SigningKey = NEW,
    centre: str = "north",
    role: Role = Role.COORDINATOR,
    audiences: tuple[str, ...] = (audience_of("intake"),),
    issuer: str = ISSUER,
    issued_at: datetime = NOW,
    ttl: timedelta = timedelta(hours=1),
) -> str:
    return issue_token(
        key=key,
        issuer=issuer,
        audiences=audiences,
        subject="c-1",
        centre=centre,
        role=role,
        now=issued_at,
        ttl=ttl,
    )


def crafted(claims: dict[str, object], *, key: SigningKey = NEW, kid: str | None = None) -> str:
    """A token signed with a real key but with claims issue_token would never write."""
    return jwt.encode(
        claims, key.secret.get_secret_value(), algorithm="HS256", headers={"kid": kid or key.kid}
    )


def claims(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "iss": ISSUER,
        "aud": [audience_of("intake")],
        "sub": "c-1",
        "centre": "north",
        "role": "coordinator",
        "iat": int(NOW.timestamp()),
        "exp": int((NOW + timedelta(hours=1)).timestamp()),
    }
    base.update(changes)
    return {name: value for name, value in base.items() if value is not None}


def refused(token_text: str, *, by: LocalTokenVerifier | None = None) -> str:
    with pytest.raises(InvalidToken) as refusal:
        (by or verifier(NEW)).verify(token_text)
    return str(refusal.value)


def test_a_token_carries_its_centre_and_role() -> None:
    principal = verifier(NEW).verify(token())
    assert (principal.subject, principal.centre, principal.role) == (
        "c-1",
        "north",
        Role.COORDINATOR,
    )
    assert principal.may_act_for("north")
    assert not principal.may_act_for("south")
    assert not principal.spans_network


def test_ops_tokens_span_the_network() -> None:
    principal = verifier(NEW).verify(token(centre="*", role=Role.OPS))
    assert principal.may_act_for("anywhere")
    assert principal.spans_network


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.SUPPORTER, Role.CLINIC_SYSTEM])
def test_every_centre_is_refused_for_any_role_but_ops(role: Role) -> None:
    assert "only for the ops role" in refused(crafted(claims(centre="*", role=role.value)))
    with pytest.raises(InvalidToken, match="only for the ops role"):
        token(centre="*", role=role)


def test_a_token_for_another_service_is_refused() -> None:
    for_scheduling = token(audiences=(audience_of("scheduling"),))
    assert "(aud)" in refused(for_scheduling)
    scheduling_rules = TokenRules(issuer=ISSUER, audience=audience_of("scheduling"))
    assert verifier(NEW, rules=scheduling_rules).verify(for_scheduling).centre == "north"


def test_a_token_may_name_several_services() -> None:
    for_all = token(audiences=ALL_AUDIENCES)
    for audience in ALL_AUDIENCES:
        rules = TokenRules(issuer=ISSUER, audience=audience)
        assert verifier(NEW, rules=rules).verify(for_all).role is Role.COORDINATOR


def test_another_issuer_is_refused() -> None:
    assert "(iss)" in refused(token(issuer="someone-else"))


@pytest.mark.parametrize(
    ("issued_at", "ttl", "accepted"),
    [
        (NOW - timedelta(hours=2), timedelta(hours=2) - timedelta(seconds=59), True),
        (NOW - timedelta(hours=2), timedelta(hours=2) - timedelta(seconds=61), False),
        (NOW + timedelta(seconds=59), timedelta(hours=1), True),
        (NOW + timedelta(seconds=61), timedelta(hours=1), False),
    ],
    ids=[
        "expired within leeway",
        "expired beyond leeway",
        "issued ahead within leeway",
        "issued ahead beyond leeway",
    ],
)
def test_clock_skew_is_absorbed_by_the_leeway_only(
    issued_at: datetime, ttl: timedelta, accepted: bool
) -> None:
    issued = token(issued_at=issued_at, ttl=ttl)
    if accepted:
        assert verifier(NEW).verify(issued).subject == "c-1"
    else:
        assert any(word in refused(issued) for word in ("expired", "future"))


def test_a_lifetime_over_the_maximum_is_refused() -> None:
    assert "lives longer" in refused(token(ttl=timedelta(hours=12, seconds=1)))
    assert verifier(NEW).verify(token(ttl=timedelta(hours=12))).subject == "c-1"


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"iat": None}, "no iat claim"),
        ({"exp": None}, "no exp claim"),
        ({"aud": None}, "no aud claim"),
        ({"iss": None}, "no iss claim"),
        ({"sub": None}, "no sub claim"),
        ({"iat": "yesterday"}, "iat claim is not a number"),
        ({"exp": True}, "exp claim is not a number"),
        ({"exp": int(NOW.timestamp()) - 10}, "expires before"),
        ({"nbf": int((NOW + timedelta(minutes=5)).timestamp())}, "not valid yet"),
        ({"centre": "a.b"}, "centre claim"),
        ({"centre": None}, "centre claim"),
        ({"role": "admin"}, "role claim"),
        ({"sub": ""}, "subject"),
    ],
)
def test_incomplete_or_odd_claims_are_refused(changes: dict[str, object], says: str) -> None:
    assert says in refused(crafted(claims(**changes)))


def test_an_unknown_or_missing_key_id_is_refused() -> None:
    assert "not an active key" in refused(crafted(claims(), kid="2025-retired"))
    no_kid = jwt.encode(claims(), NEW.secret.get_secret_value(), algorithm="HS256")
    assert "no key id" in refused(no_kid)


def test_a_known_key_id_with_another_secret_is_refused() -> None:
    forged = SigningKey(NEW.kid, SecretStr("f" * 40))
    assert "signature" in refused(token(key=forged))


def test_during_rotation_the_old_key_still_verifies_and_the_new_one_signs() -> None:
    both = verifier(OLD, NEW)
    assert both.verify(token(key=OLD)).subject == "c-1"
    assert both.verify(token(key=NEW)).subject == "c-1"
    keys = SigningKeys(by_kid={OLD.kid: OLD.secret, NEW.kid: NEW.secret}, signing_kid=NEW.kid)
    assert jwt.get_unverified_header(token(key=keys.signing))["kid"] == NEW.kid
    assert "not an active key" in refused(token(key=OLD), by=verifier(NEW))


def test_alg_none_is_refused() -> None:
    unsigned = jwt.encode(claims(), "", algorithm="none", headers={"kid": NEW.kid})
    assert "algorithm" in refused(unsigned)


def test_an_rs256_token_is_refused_in_local_mode() -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rs256 = jwt.encode(claims(), private, algorithm="RS256", headers={"kid": NEW.kid})
    assert "algorithm" in refused(rs256)


@pytest.mark.parametrize("garbage", ["not-a-token", "", "a.b.c", "e30.e30.", "🙂" * 10])
def test_garbage_is_refused(garbage: str) -> None:
    assert refused(garbage)


def test_minting_needs_an_audience() -> None:
    with pytest.raises(ValueError, match="audience"):
        token(audiences=())
