"""Checks a webhook URL against the address rules and pins it to the address checked.

The host is resolved once per check; the request then goes to that address, with the
URL's own host in the Host header and as the TLS server name (so the certificate is
still verified against the name). A second lookup between check and connect, which a
hostile DNS server could answer differently (DNS rebinding), never happens.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from ipaddress import ip_address

import httpx

from peerlink_notifications.domain.webhook_addresses import IPAddress, webhook_refusal

Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]


async def system_resolver(host: str, port: int) -> list[IPAddress]:
    """Every address the host resolves to, in the resolver's order, each once."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(ip_address(info[4][0]) for info in infos))


@dataclass(frozen=True)
class Target:
    """A checked webhook: where to connect, and the names the request must carry."""

    url: httpx.URL = field(repr=False)  # the URL with its host replaced by the address
    host_header: str = field(repr=False)
    server_name: str | None = field(repr=False)  # for TLS: SNI and certificate checks

    @property
    def extensions(self) -> dict[str, str]:
        return {} if self.server_name is None else {"sni_hostname": self.server_name}


@dataclass(frozen=True)
class Refused:
    reason: str  # `loopback`, `private`, `not_https`, ...: for our log, not the owner


@dataclass(frozen=True)
class Unresolved:
    """The host has no address now (or the lookup timed out): perhaps later."""


class WebhookTargets:
    def __init__(
        self,
        *,
        allow_insecure_local: bool,
        timeout: float,
        resolver: Resolver = system_resolver,
    ) -> None:
        self._allow_insecure_local = allow_insecure_local
        self._timeout = timeout
        self._resolve = resolver

    async def refusal(self, url: str) -> str | None:
        checked = await self.check(url)
        if isinstance(checked, Target):
            return None
        return checked.reason if isinstance(checked, Refused) else "unresolvable"

    async def check(self, url: str) -> Target | Refused | Unresolved:
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL:
            return Refused("invalid_url")
        scheme, host = parsed.scheme, parsed.raw_host.decode("ascii")
        if scheme not in ("http", "https"):
            return Refused("unsupported_scheme")
        if not host:
            return Refused("invalid_url")
        port = parsed.port or (443 if scheme == "https" else 80)
        try:
            addresses = await asyncio.wait_for(self._resolve(host, port), self._timeout)
        except (OSError, UnicodeError, ValueError, TimeoutError):
            return Unresolved()
        if not addresses:
            return Unresolved()
        refusal = webhook_refusal(
            scheme, addresses, allow_insecure_local=self._allow_insecure_local
        )
        if refusal is not None:
            return Refused(refusal)
        return Target(
            url=parsed.copy_with(host=str(addresses[0])),
            host_header=parsed.netloc.decode("ascii"),
            server_name=host if scheme == "https" else None,
        )
