"""
Where a request comes from: `client_address` for log lines, and
`client_identity`, the same address as throttles and the login lockout
count it.
"""

import functools
import ipaddress

from rest_framework.settings import api_settings

UNKNOWN_ADDRESS = "unknown"

# An IPv6 site is usually given a whole /64 (RFC 6177), and a client picks
# any address inside it at will (RFC 8981), so counting per address would
# let it start afresh with each new one.
IPV6_CLIENT_PREFIX = 64


# Longer than any IP address in text, an IPv6 zone included.
MAX_ADDRESS_LENGTH = 100


def _canonical(address):
    """The address in one spelling, or None when it is not an IP address."""
    address = address.strip()
    if len(address) > MAX_ADDRESS_LENGTH:
        return None
    return _parsed(address)


# Parsing an address is a good part of a cached read's own work, and a
# client sends many requests from one address. The memo holds only short
# strings, so a flood of made-up headers cannot make it large.
@functools.lru_cache(maxsize=4096)
def _parsed(address):
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def client_address(request):
    """
    The client's IP address. With no trusted proxy (`NUM_PROXIES` = 0) it is
    the peer of the connection. Behind N trusted proxies it is the Nth entry
    of X-Forwarded-For counted from the right: the one the outermost trusted
    proxy wrote. Entries further left were sent by the client itself and
    prove nothing, so a client cannot pick its own address by forging them.
    """
    peer = _canonical(request.META.get("REMOTE_ADDR") or "")
    proxies = api_settings.NUM_PROXIES or 0
    if proxies > 0:
        forwarded = [
            entry
            for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if entry.strip()
        ]
        if forwarded:
            # Fewer entries than proxies: the leftmost was still written by
            # a trusted proxy.
            candidate = _canonical(forwarded[-min(proxies, len(forwarded))])
            if candidate is not None:
                return candidate
    return peer or UNKNOWN_ADDRESS


def client_identity(request):
    """
    Whom throttles and the lockout count a request against: the client
    address for IPv4, its /64 network for IPv6 (`2001:db8:1:2::/64`). An
    IPv4 address a dual-stack socket reports as IPv6 (`::ffff:192.0.2.1`)
    counts as that IPv4 address, not as one /64 shared by every IPv4 client.
    """
    address = client_address(request)
    if address == UNKNOWN_ADDRESS:
        return address
    return _identity(address)


@functools.lru_cache(maxsize=4096)
def _identity(address):
    # Given a canonical address, so at most MAX_ADDRESS_LENGTH long.
    ip = ipaddress.ip_address(address)
    if ip.version == 4:
        return address
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network((ip, IPV6_CLIENT_PREFIX), strict=False))
