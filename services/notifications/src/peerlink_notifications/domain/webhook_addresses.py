"""Where a webhook may lead: https, to public internet addresses only.

A recipient chooses their webhook URL and we POST to it from inside our network, so an
internal address would let them reach what only we can reach (SSRF): a database, an admin
port, the cloud's metadata service. Every address the host resolves to must be public;
this is checked when the URL is registered and again before each send, and the send
connects to the address that was checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_network

IPAddress = IPv4Address | IPv6Address

# The first range that holds an address names why it is refused.
REFUSED_RANGES: tuple[tuple[IPv4Network | IPv6Network, str], ...] = tuple(
    (ip_network(network), why)
    for network, why in (
        ("169.254.169.254/32", "metadata"),  # cloud instance metadata (AWS, GCP, Azure, ...)
        ("fd00:ec2::254/128", "metadata"),  # AWS's IPv6 instance metadata
        ("0.0.0.0/8", "unspecified"),
        ("::/128", "unspecified"),
        ("127.0.0.0/8", "loopback"),
        ("::1/128", "loopback"),
        ("10.0.0.0/8", "private"),
        ("172.16.0.0/12", "private"),
        ("192.168.0.0/16", "private"),
        ("100.64.0.0/10", "shared"),  # carrier-grade NAT (RFC 6598)
        ("169.254.0.0/16", "link_local"),
        ("fe80::/10", "link_local"),
        ("fc00::/7", "unique_local"),
        ("224.0.0.0/4", "multicast"),
        ("ff00::/8", "multicast"),
        ("240.0.0.0/4", "reserved"),
        ("::/96", "reserved"),  # IPv4-compatible IPv6, deprecated
    )
)
NAT64 = ip_network("64:ff9b::/96")
WEBHOOK_SCHEMES = frozenset({"http", "https"})


def embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv6 one carries and may be routed to: IPv4-mapped
    (`::ffff:a.b.c.d`), NAT64 (`64:ff9b::a.b.c.d`) or 6to4 (`2002:aabb:ccdd::`)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in NAT64:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def address_refusal(address: IPAddress) -> str | None:
    """Why a webhook may not reach this address (`loopback`, `private`, `metadata`, ...),
    or None when it is a public internet address."""
    if isinstance(address, IPv6Address):
        inner = embedded_ipv4(address)
        if inner is not None:
            return address_refusal(inner)
    for network, why in REFUSED_RANGES:
        if address in network:
            return why
    # Documentation, benchmarking and protocol-assignment ranges, and whatever else the
    # registries add: not an internet host either.
    return None if address.is_global else "reserved"


def webhook_refusal(
    scheme: str, addresses: Sequence[IPAddress], *, allow_insecure_local: bool
) -> str | None:
    """Why a webhook over `scheme` to a host with these addresses is refused, or None.

    `allow_insecure_local` (local development and tests) lets a host that resolves only to
    loopback be reached, over http too; every other internal address stays refused and a
    public host still needs https.
    """
    if scheme not in WEBHOOK_SCHEMES:
        return "unsupported_scheme"
    if not addresses:
        return "unresolvable"
    refusals = [address_refusal(address) for address in addresses]
    if allow_insecure_local and all(why == "loopback" for why in refusals):
        return None
    # One internal address among public ones refuses the host: a later lookup could pick it.
    refused = next((why for why in refusals if why is not None), None)
    if refused is not None:
        return refused
    return None if scheme == "https" else "not_https"


class WebhookRefused(Exception):
    """A webhook URL may not be registered: `reason` is `not_https`, a refused address's
    kind (`loopback`, `private`, ...) or `unresolvable`; for our log and the 422's type,
    never shown with the URL."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
