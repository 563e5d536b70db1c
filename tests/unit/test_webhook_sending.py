"""The webhook sender, one attempt at a time, against a recording HTTP transport and a
resolver we control: what it checks before connecting, where it connects, how it signs,
and what the owner is told. No connection leaves the process."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from ipaddress import ip_address

import httpx
import pytest
from peerlink_notifications.adapters.webhook import WebhookTransport
from peerlink_notifications.adapters.webhook_signing import new_webhook_secret
from peerlink_notifications.adapters.webhook_targets import Target, WebhookTargets
from peerlink_notifications.domain.delivery import (
    NO_WEBHOOK_SECRET,
    WEBHOOK_FAILED,
    WEBHOOK_REFUSED,
    Destination,
    Failure,
    Sent,
)
from peerlink_notifications.domain.webhook_addresses import IPAddress
from peerlink_shared.clock import SystemClock
from prometheus_client import REGISTRY
from standardwebhooks import Webhook, WebhookVerificationError

from tests.fakes.clock import MovableClock
from tests.notification_deliveries import booked_delivery

NOW = datetime(2031, 5, 6, 16, 0, tzinfo=UTC)
PUBLIC = "93.184.216.34"
HOOK = "https://hooks.example.org:8443/peerlink/in?team=7"
DELIVERY = booked_delivery("7f3a", channel="webhook", due=NOW)


class Dns:
    """Answers lookups from a table that a test may change between two lookups."""

    def __init__(self, **table: str) -> None:
        self.table = {name.replace("_", "."): address for name, address in table.items()}
        self.lookups: list[str] = []

    async def resolve(self, host: str, port: int) -> list[IPAddress]:
        self.lookups.append(host)
        try:
            return [ip_address(self.table.get(host, host))]
        except ValueError as unknown:
            raise OSError("no such host") from unknown


class Endpoint:
    """Records each request that reached the network layer; answers with `status`."""

    def __init__(self, status: int = 200, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.headers = headers or {}
        self.requests: list[httpx.Request] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.status, headers=self.headers, content=b"secret internals")


def sender(
    dns: Dns, endpoint: Endpoint, *, allow_insecure_local: bool = False
) -> tuple[WebhookTransport, WebhookTargets]:
    targets = WebhookTargets(
        allow_insecure_local=allow_insecure_local, timeout=1.0, resolver=dns.resolve
    )
    transport = WebhookTransport(
        targets=targets,
        clock=MovableClock(NOW),
        timeout=1.0,
        http=httpx.MockTransport(endpoint.handle),
    )
    return transport, targets


SECRET = new_webhook_secret()


def counted(result: str) -> float:
    found = REGISTRY.get_sample_value("peerlink_webhook_results_total", {"result": result})
    return found or 0.0


async def test_a_webhook_goes_to_the_checked_address_named_for_its_host() -> None:
    endpoint = Endpoint()
    transport, _ = sender(Dns(hooks_example_org=PUBLIC), endpoint)
    assert await transport.send(DELIVERY, Destination(HOOK, SECRET)) == Sent()
    (request,) = endpoint.requests
    assert request.url.host == PUBLIC  # the connection: to the address checked
    assert (request.url.port, request.url.path, request.url.query) == (
        8443,
        "/peerlink/in",
        b"team=7",
    )
    assert request.headers["host"] == "hooks.example.org:8443"
    assert request.extensions["sni_hostname"] == "hooks.example.org"  # TLS checks the name
    assert request.headers["idempotency-key"] == DELIVERY.delivery_id
    assert json.loads(request.content)["text"] == DELIVERY.text


async def test_a_receiver_verifies_the_signature_with_the_secret_it_was_given() -> None:
    endpoint = Endpoint()
    transport, _ = sender(Dns(hooks_example_org=PUBLIC), endpoint)
    await transport.send(DELIVERY, Destination(HOOK, SECRET))
    (request,) = endpoint.requests
    headers = dict(request.headers)
    assert headers["webhook-id"] == DELIVERY.delivery_id
    assert headers["webhook-timestamp"] == str(int(NOW.timestamp()))

    # The scheme by hand: v1,base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")).
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + request.content
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert headers["webhook-signature"] == f"v1,{expected}"

    # And a Standard Webhooks library, as a receiver would (its clock is now, not NOW).
    receiver = Webhook(SECRET)
    fresh = WebhookTransport(
        targets=WebhookTargets(
            allow_insecure_local=False, timeout=1.0, resolver=Dns(hooks_example_org=PUBLIC).resolve
        ),
        clock=SystemClock(),
        timeout=1.0,
        http=httpx.MockTransport(endpoint.handle),
    )
    await fresh.send(DELIVERY, Destination(HOOK, SECRET))
    latest = endpoint.requests[-1]
    assert receiver.verify(latest.content, dict(latest.headers)) == json.loads(latest.content)
    tampered = latest.content.replace(b"18:00", b"19:00")
    with pytest.raises(WebhookVerificationError, match="signature"):
        receiver.verify(tampered, dict(latest.headers))
    with pytest.raises(WebhookVerificationError, match="signature"):
        Webhook(new_webhook_secret()).verify(latest.content, dict(latest.headers))


async def test_a_host_that_turns_private_after_registration_is_refused_at_send_time() -> None:
    """DNS rebinding: public when registered, loopback when sent."""
    endpoint = Endpoint()
    dns = Dns(hooks_example_org=PUBLIC)
    transport, targets = sender(dns, endpoint)
    assert isinstance(await targets.check(HOOK), Target)  # what registration sees

    dns.table["hooks.example.org"] = "127.0.0.1"
    before = counted("loopback")
    outcome = await transport.send(DELIVERY, Destination(HOOK, SECRET))

    assert outcome == Failure(WEBHOOK_REFUSED, permanent=True)
    assert endpoint.requests == []
    assert dns.lookups == ["hooks.example.org", "hooks.example.org"]
    assert counted("loopback") == before + 1


@pytest.mark.parametrize(
    "resolved", ["10.0.0.7", "169.254.169.254", "fd00:ec2::254", "100.64.1.1", "fe80::1"]
)
async def test_no_internal_address_is_contacted_even_where_local_receivers_are_allowed(
    resolved: str,
) -> None:
    endpoint = Endpoint()
    transport, _ = sender(Dns(hooks_example_org=resolved), endpoint, allow_insecure_local=True)
    outcome = await transport.send(DELIVERY, Destination(HOOK, SECRET))
    assert outcome == Failure(WEBHOOK_REFUSED, permanent=True)
    assert endpoint.requests == []


@pytest.mark.parametrize("resolved", ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
async def test_a_local_receiver_is_reached_only_where_that_is_allowed(resolved: str) -> None:
    hook = "http://receiver.test:8080/in"
    refused, allowed = Endpoint(), Endpoint()
    strict, _ = sender(Dns(receiver_test=resolved), refused)
    local, _ = sender(Dns(receiver_test=resolved), allowed, allow_insecure_local=True)
    assert await strict.send(DELIVERY, Destination(hook, SECRET)) == Failure(
        WEBHOOK_REFUSED, permanent=True
    )
    assert refused.requests == []
    assert await local.send(DELIVERY, Destination(hook, SECRET)) == Sent()
    (request,) = allowed.requests
    assert ip_address(request.url.host) == ip_address(resolved)
    assert request.headers["host"] == "receiver.test:8080"
    assert "sni_hostname" not in request.extensions  # plain http: no TLS


@pytest.mark.parametrize(
    ("status", "permanent", "detail"),
    [(404, True, "http_404"), (401, True, "http_401"), (503, False, "http_503")],
)
async def test_the_owner_is_told_failed_and_not_what_answered(
    status: int,
    permanent: bool,
    detail: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    endpoint = Endpoint(status)
    transport, _ = sender(Dns(hooks_example_org=PUBLIC), endpoint)
    before = counted(detail)
    outcome = await transport.send(DELIVERY, Destination(HOOK, SECRET))
    assert outcome == Failure(WEBHOOK_FAILED, permanent=permanent)
    # The detail is ours: counted, and logged with the delivery id, never the URL.
    assert counted(detail) == before + 1
    logged = capsys.readouterr()
    assert detail in logged.out + logged.err
    assert "hooks.example.org" not in logged.out + logged.err
    assert "secret internals" not in logged.out + logged.err


async def test_a_redirect_is_not_followed() -> None:
    endpoint = Endpoint(302, {"Location": "http://169.254.169.254/latest/meta-data"})
    transport, _ = sender(Dns(hooks_example_org=PUBLIC), endpoint)
    outcome = await transport.send(DELIVERY, Destination(HOOK, SECRET))
    assert outcome == Failure(WEBHOOK_FAILED, permanent=True)
    assert len(endpoint.requests) == 1


async def test_a_host_that_does_not_resolve_is_tried_again_later() -> None:
    endpoint = Endpoint()
    transport, _ = sender(Dns(), endpoint)
    outcome = await transport.send(DELIVERY, Destination(HOOK, SECRET))
    assert outcome == Failure(WEBHOOK_FAILED, permanent=False)
    assert endpoint.requests == []


async def test_a_webhook_without_a_secret_is_never_sent_unsigned() -> None:
    endpoint = Endpoint()
    transport, _ = sender(Dns(hooks_example_org=PUBLIC), endpoint)
    outcome = await transport.send(DELIVERY, Destination(HOOK, None))
    assert outcome == Failure(NO_WEBHOOK_SECRET, permanent=True)
    assert endpoint.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.org/x",  # plain http to a public host
        "ftp://hooks.example.org/x",
        "javascript:alert(1)",
        "http://2130706433/",  # 127.0.0.1 as one number: the resolver decides, not a parser
        "https://localhost:9000/",
    ],
)
async def test_what_registration_refuses_is_refused_at_send_time_too(url: str) -> None:
    endpoint = Endpoint()
    dns = Dns(hooks_example_org=PUBLIC, localhost="127.0.0.1")
    dns.table["2130706433"] = "127.0.0.1"
    transport, _ = sender(dns, endpoint)
    outcome = await transport.send(DELIVERY, Destination(url, SECRET))
    assert outcome == Failure(WEBHOOK_REFUSED, permanent=True)
    assert endpoint.requests == []
