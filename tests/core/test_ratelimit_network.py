"""``ratelimit.address_network``: the identity a per-client limit counts. One IPv6 subscriber
usually holds a whole /64, so its addresses must share one counter; IPv4 stays per address."""

from __future__ import annotations

import pytest

from blackcanyon.core.ratelimit import address_network


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:7:42::1", "2001:db8:7:42::/64"),
        ("2001:db8:7:42:ffff:1:2:3", "2001:db8:7:42::/64"),
        ("2001:DB8:7:42::9", "2001:db8:7:42::/64"),  # any spelling of the same network
        ("::ffff:203.0.113.7", "203.0.113.7"),  # IPv4-mapped counts as the IPv4 address
        ("fe80::1%eth0", "fe80::/64"),  # a zone id does not make a second counter
        ("", ""),
        ("unknown", "unknown"),
    ],
)
def test_address_network(address: str, network: str) -> None:
    assert address_network(address) == network


def test_neighbouring_ipv6_networks_count_apart() -> None:
    assert address_network("2001:db8:7:42::1") != address_network("2001:db8:7:43::1")
