"""Where a webhook may lead: the address table, read like the policy."""

from __future__ import annotations

from ipaddress import ip_address

import pytest
from peerlink_notifications.domain.webhook_addresses import (
    IPAddress,
    address_refusal,
    webhook_refusal,
)

PUBLIC_V4 = ip_address("93.184.216.34")
PUBLIC_V6 = ip_address("2606:2800:220:1:248:1893:25c8:1946")
LOOPBACK = ip_address("127.0.0.1")


@pytest.mark.parametrize(
    ("address", "refusal"),
    [
        ("93.184.216.34", None),
        ("8.8.8.8", None),
        ("2606:2800:220:1:248:1893:25c8:1946", None),
        ("169.254.169.254", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("127.0.0.1", "loopback"),
        ("127.255.255.254", "loopback"),
        ("::1", "loopback"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("10.0.0.1", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.255", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "shared"),
        ("100.127.255.254", "shared"),
        ("169.254.10.10", "link_local"),
        ("fe80::1", "link_local"),
        ("fc00::1", "unique_local"),
        ("fd12:3456::1", "unique_local"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("ff02::1", "multicast"),
        ("ff0e::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("192.0.2.10", "reserved"),  # documentation
        ("198.18.0.1", "reserved"),  # benchmarking
        ("2001:db8::1", "reserved"),  # documentation
        ("::7f00:1", "reserved"),  # IPv4-compatible, deprecated
        # IPv6 forms that carry an IPv4 address answer for that address.
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.169.254", "metadata"),
        ("::ffff:100.64.0.1", "shared"),
        ("::ffff:93.184.216.34", None),
        ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
        ("64:ff9b::a9fe:a9fe", "metadata"),  # NAT64 of 169.254.169.254
        ("64:ff9b::5db8:d822", None),  # NAT64 of 93.184.216.34
        ("2002:7f00:1::1", "loopback"),  # 6to4 of 127.0.0.1
        ("2002:c0a8:101::1", "private"),  # 6to4 of 192.168.1.1
    ],
)
def test_only_public_addresses_may_be_reached(address: str, refusal: str | None) -> None:
    assert address_refusal(ip_address(address)) == refusal


@pytest.mark.parametrize(
    ("scheme", "addresses", "allow_local", "refusal"),
    [
        pytest.param("https", [PUBLIC_V4], False, None, id="https to a public host"),
        pytest.param("https", [PUBLIC_V4, PUBLIC_V6], False, None, id="every address public"),
        pytest.param("http", [PUBLIC_V4], False, "not_https", id="plain http"),
        pytest.param("http", [PUBLIC_V4], True, "not_https", id="plain http, even allowed"),
        pytest.param("ftp", [PUBLIC_V4], False, "unsupported_scheme", id="ftp"),
        pytest.param("javascript", [], False, "unsupported_scheme", id="javascript"),
        pytest.param("https", [], False, "unresolvable", id="no address"),
        pytest.param("https", [LOOPBACK], False, "loopback", id="loopback"),
        pytest.param(
            "https", [PUBLIC_V4, ip_address("10.1.2.3")], False, "private", id="one internal"
        ),
        pytest.param("http", [LOOPBACK], True, None, id="local receiver when allowed"),
        pytest.param("https", [ip_address("::1")], True, None, id="local v6 when allowed"),
        pytest.param("http", [ip_address("10.0.0.1")], True, "private", id="private, even allowed"),
        pytest.param(
            "http",
            [ip_address("169.254.169.254")],
            True,
            "metadata",
            id="metadata, even allowed",
        ),
        pytest.param(
            "http", [LOOPBACK, PUBLIC_V4], True, "loopback", id="allowed only if all local"
        ),
    ],
)
def test_a_webhook_needs_https_to_public_addresses(
    scheme: str,
    addresses: list[IPAddress],
    allow_local: bool,
    refusal: str | None,
) -> None:
    found = webhook_refusal(scheme, addresses, allow_insecure_local=allow_local)
    assert found == refusal
