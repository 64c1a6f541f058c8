"""Whether a shop platform on the internet can reach the installation's webhook address.

The address shown for a shop to paste into Shopify, Haravan, Sapo or WooCommerce is built
from the configured public address (CARELOOP_BASE_URL), never from the Host header of the
page's request: a link sent outside must not follow whatever name a browser used. When that
configured address is a loopback or private one (the default http://127.0.0.1:8000), the
platform's servers cannot deliver to it, so the page says so instead of staying silent."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from careloop.channels.netguard import non_public_reason

# Names that never leave the machine or the local network (RFC 6761 "localhost",
# RFC 6762 ".local" multicast DNS, and the usual home/office router suffixes).
_LOCAL_NAMES = ("localhost",)
_LOCAL_SUFFIXES = (".localhost", ".local", ".lan", ".home.arpa", ".internal")


def host_of(url: str) -> str:
    """The host part of an absolute URL, lower case, without brackets or port."""
    return (urlsplit(url.strip()).hostname or "").lower()


def is_unreachable_from_internet(base_url: str) -> bool:
    """True when `base_url`'s host is loopback, private, link-local or otherwise not
    routable on the internet, or names the local machine or network."""
    host = host_of(base_url)
    if not host:
        return True
    if host in _LOCAL_NAMES or host.endswith(_LOCAL_SUFFIXES):
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False  # a DNS name: whether it resolves publicly is not the page's to guess
    # The outbound guard's own rule for a public address (IPv4 inside IPv6 included).
    return non_public_reason(host) is not None
