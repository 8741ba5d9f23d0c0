"""
Where a request comes from: the one answer that throttles, the login
lockout and log lines all use.
"""

import ipaddress

from rest_framework.settings import api_settings

UNKNOWN_ADDRESS = "unknown"


def _canonical(address):
    """The address in one spelling, or None when it is not an IP address."""
    try:
        return str(ipaddress.ip_address(address.strip()))
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
