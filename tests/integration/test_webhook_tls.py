"""A webhook over TLS to a real local HTTPS receiver, reached through a name only our
resolver knows: the connection goes to the address checked, and the certificate is still
verified against the name (SNI), so pinning the address costs no TLS check."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from ipaddress import IPv4Address

import pytest
import trustme
from peerlink_notifications.adapters.webhook import WebhookTransport
from peerlink_notifications.adapters.webhook_signing import new_webhook_secret
from peerlink_notifications.adapters.webhook_targets import WebhookTargets
from peerlink_notifications.domain.delivery import (
    WEBHOOK_FAILED,
    Destination,
    Failure,
    Sent,
)
from peerlink_notifications.domain.webhook_addresses import IPAddress
from peerlink_shared.clock import SystemClock

from tests.notification_deliveries import booked_delivery

NAMES = ("hooks.test", "impostor.test")
DELIVERY = booked_delivery("tls", channel="webhook", due=datetime(2031, 5, 6, tzinfo=UTC))


async def dns(host: str, port: int) -> list[IPAddress]:
    if host in NAMES:
        return [IPv4Address("127.0.0.1")]
    raise OSError("unknown host")


@dataclass
class HttpsReceiver:
    """Answers 200 to each request; keeps the TLS server names asked for and the heads."""

    port: int = 0
    server_names: list[str | None] = field(default_factory=list)
    heads: list[str] = field(default_factory=list)

    def sni(self, sock: ssl.SSLObject, name: str | None, context: ssl.SSLContext) -> None:
        self.server_names.append(name)

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            self.heads.append(head)
            length = next(
                int(line.split(":", 1)[1])
                for line in head.split("\r\n")
                if line.lower().startswith("content-length:")
            )
            await reader.readexactly(length)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            await writer.drain()
        except (ssl.SSLError, asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
async def receiver(ca: trustme.CA) -> AsyncIterator[HttpsReceiver]:
    found = HttpsReceiver()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("hooks.test").configure_cert(context)  # its name only, not the address
    context.sni_callback = found.sni
    server = await asyncio.start_server(found.serve, "127.0.0.1", 0, ssl=context)
    found.port = server.sockets[0].getsockname()[1]
    async with server:
        yield found


def sender(ca: trustme.CA) -> WebhookTransport:
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)
    return WebhookTransport(
        # Local receivers allowed: the receiver is on loopback, as a test's must be.
        targets=WebhookTargets(allow_insecure_local=True, timeout=2.0, resolver=dns),
        clock=SystemClock(),
        timeout=3.0,
        verify=trusting,
    )


async def test_the_pinned_connection_presents_and_verifies_the_name(
    receiver: HttpsReceiver, ca: trustme.CA
) -> None:
    url = f"https://hooks.test:{receiver.port}/in"
    outcome = await sender(ca).send(DELIVERY, Destination(url, new_webhook_secret()))
    assert outcome == Sent()
    assert receiver.server_names[-1] == "hooks.test"
    assert f"host: hooks.test:{receiver.port}" in receiver.heads[-1].lower()


async def test_a_certificate_for_another_name_is_not_accepted(
    receiver: HttpsReceiver, ca: trustme.CA
) -> None:
    heads_before = len(receiver.heads)
    url = f"https://impostor.test:{receiver.port}/in"
    outcome = await sender(ca).send(DELIVERY, Destination(url, new_webhook_secret()))
    assert outcome == Failure(WEBHOOK_FAILED, permanent=False)
    assert receiver.server_names[-1] == "impostor.test"
    assert len(receiver.heads) == heads_before  # nothing was sent over the failed handshake
