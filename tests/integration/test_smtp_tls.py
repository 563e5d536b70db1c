"""E-mail through a relay that wants credentials, against real SMTP servers (aiosmtpd) on
127.0.0.1 with certificates from a test CA: the password goes only over TLS, and a relay
that will not speak TLS gets nothing."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from peerlink_notifications.adapters.smtp import SmtpRelay, SmtpTls, SmtpTransport
from peerlink_notifications.bootstrap import smtp_relay
from peerlink_notifications.domain.delivery import Destination, Failure, Sent
from peerlink_notifications.settings import NotificationsSettings

from tests.integration.test_delivery import free_port
from tests.notification_deliveries import booked_delivery

# The plaintext relay below is hostile on purpose; aiosmtpd warns about it.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
USER, PASSWORD = "relay-user", "relay-pass-5c1e"
RECIPIENT = Destination("someone@example.org")
DELIVERY = booked_delivery("smtp", channel="email", due=datetime(2031, 5, 6, tzinfo=UTC))


@dataclass
class Relay:
    """Keeps each message and each login, and whether the login came over TLS."""

    port: int = 0
    messages: list[bytes] = field(default_factory=list)
    logins: list[tuple[str, bool]] = field(default_factory=list)

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: object
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        over_tls = server.transport is not None and bool(
            server.transport.get_extra_info("ssl_object")
        )
        self.logins.append((data.login.decode(), over_tls))
        ok = (data.login.decode(), data.password.decode()) == (USER, PASSWORD)
        return AuthResult(success=ok, handled=False)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content
        assert isinstance(content, bytes)
        self.messages.append(content)
        return "250 OK"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def trusting(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


def server_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


def run(
    relay: Relay,
    *,
    starttls: ssl.SSLContext | None = None,
    implicit: ssl.SSLContext | None = None,
    auth_require_tls: bool = True,
) -> Iterator[Relay]:
    controller = Controller(
        relay,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=relay.authenticate,
        ssl_context=implicit,
        tls_context=starttls,
        require_starttls=starttls is not None,
        auth_required=True,
        auth_require_tls=auth_require_tls,
    )
    controller.start()
    relay.port = controller.port
    try:
        yield relay
    finally:
        controller.stop()


@pytest.fixture
def starttls_relay(ca: trustme.CA) -> Iterator[Relay]:
    yield from run(Relay(), starttls=server_context(ca))


@pytest.fixture
def implicit_tls_relay(ca: trustme.CA) -> Iterator[Relay]:
    # aiosmtpd counts only STARTTLS as TLS for AUTH; the login records the truth.
    yield from run(Relay(), implicit=server_context(ca), auth_require_tls=False)


@pytest.fixture
def plaintext_relay() -> Iterator[Relay]:
    """A relay that offers no TLS and would take a password in the clear."""
    yield from run(Relay(), auth_require_tls=False)


def transport(
    relay: Relay,
    tls: SmtpTls,
    context: ssl.SSLContext | None,
    password: str = PASSWORD,
) -> SmtpTransport:
    return SmtpTransport(
        relay=SmtpRelay(
            host="127.0.0.1",
            port=relay.port,
            sender="PeerLink <no-reply@peerlink.invalid>",
            tls=tls,
            username=USER,
            password=password,
            tls_context=context,
        ),
        timeout=5.0,
    )


async def test_credentials_go_over_required_starttls(
    starttls_relay: Relay, trusting: ssl.SSLContext
) -> None:
    outcome = await transport(starttls_relay, "starttls", trusting).send(DELIVERY, RECIPIENT)
    assert outcome == Sent()
    assert starttls_relay.logins == [(USER, True)]
    (message,) = starttls_relay.messages
    assert b"Lake House" in message


async def test_credentials_go_over_implicit_tls(
    implicit_tls_relay: Relay, trusting: ssl.SSLContext
) -> None:
    outcome = await transport(implicit_tls_relay, "implicit", trusting).send(DELIVERY, RECIPIENT)
    assert outcome == Sent()
    assert implicit_tls_relay.logins == [(USER, True)]
    assert len(implicit_tls_relay.messages) == 1


async def test_a_relay_without_tls_never_sees_the_password(
    plaintext_relay: Relay, trusting: ssl.SSLContext
) -> None:
    outcome = await transport(plaintext_relay, "starttls", trusting).send(DELIVERY, RECIPIENT)
    assert outcome == Failure("smtp_unreachable", permanent=False)
    assert plaintext_relay.logins == []
    assert plaintext_relay.messages == []


async def test_a_relay_whose_certificate_is_not_trusted_never_sees_the_password(
    starttls_relay: Relay,
) -> None:
    untrusting = ssl.create_default_context()  # the system's CAs, not the test CA
    outcome = await transport(starttls_relay, "starttls", untrusting).send(DELIVERY, RECIPIENT)
    assert outcome == Failure("smtp_unreachable", permanent=False)
    assert starttls_relay.logins == []


async def test_refused_credentials_are_ours_to_fix_so_the_delivery_waits(
    starttls_relay: Relay, trusting: ssl.SSLContext
) -> None:
    wrong = transport(starttls_relay, "starttls", trusting, password="wrong-pass")
    outcome = await wrong.send(DELIVERY, RECIPIENT)
    assert outcome == Failure("smtp_auth_failed", permanent=False)
    assert starttls_relay.messages == []


async def test_the_settings_build_a_relay_that_trusts_the_configured_ca(
    starttls_relay: Relay, ca: trustme.CA, tmp_path: Path
) -> None:
    ca_file = tmp_path / "relay-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    settings = NotificationsSettings.model_validate(
        {
            "token_secret": "x" * 40,
            "smtp_host": "127.0.0.1",
            "smtp_port": starttls_relay.port,
            "smtp_tls": "starttls",
            "smtp_username": USER,
            "smtp_password": PASSWORD,
            "smtp_ca_file": str(ca_file),
        }
    )
    relay = smtp_relay(settings)
    assert PASSWORD not in repr(relay)
    assert await SmtpTransport(relay=relay, timeout=5.0).send(DELIVERY, RECIPIENT) == Sent()
    assert starttls_relay.logins == [(USER, True)]


def test_a_relay_refuses_credentials_without_required_tls() -> None:
    with pytest.raises(ValueError, match="required TLS"):
        SmtpRelay(host="127.0.0.1", port=25, sender="x@example.org", username=USER, password="p")
