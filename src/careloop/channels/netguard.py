"""The one outbound network guard (SSRF) for every protocol the server speaks to a host a
shop can configure: HTTP (webhook URL, SMS and Zalo base URLs) and SMTP (the mail host).
No private, loopback, link-local, ULA, metadata or otherwise non-public address, unless the
*instance* allows private targets: `CARELOOP_ALLOW_PRIVATE_NETWORK=1` in the environment,
for an installation whose mail server or webhook receiver lives on its own network. A shop
cannot switch the guard off (a shop-level `allow_private` setting is ignored).

Checked twice: when the URL or host is saved (`check_url`, `check_host`: a clear error for
the owner), and again when the socket connects (`guarded_client` for HTTP,
`guarded_connect` for anything else), against the very address connected to. A host that
resolved to a public address at save time and to 127.0.0.1 a second later (DNS rebinding)
is refused then, because the connection goes to the address that was checked, never to a
second resolution of the name. Redirects are never followed."""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import Any

import httpcore
import httpx

from careloop.channels.base import PermanentError, TransientError
from careloop.channels.http import DEFAULT_TIMEOUT_SECONDS, call
from careloop.core.settings import current_settings

Resolver = Callable[[str], list[str]]
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
# IPv6 prefixes that carry an IPv4 address a gateway will connect to (RFC 6052, RFC 3056).
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")


ALLOW_PRIVATE_ENV = "CARELOOP_ALLOW_PRIVATE_NETWORK"


class TargetRefused(PermanentError):
    """The URL points into the private network (or is not an http(s) URL with a host)."""


def private_network_allowed() -> bool:
    """The instance setting `allow_private_network` (CARELOOP_ALLOW_PRIVATE_NETWORK), read
    at each check so a test or an operator can change it without a restart; never a shop
    setting."""
    return current_settings().allow_private_network


def _allowed(allow_private: bool | None) -> bool:
    return private_network_allowed() if allow_private is None else allow_private


def resolve(host: str) -> list[str]:
    """Every address `host` resolves to; numeric forms (2130706433, 0x7f.1, 0177.0.0.1) are
    resolved the way the C library would connect to them."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise TransientError(f"cannot resolve {host}: {exc}") from None
    return sorted({str(info[4][0]) for info in infos})


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address stands for (mapped, NAT64, 6to4, Teredo)."""
    found: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if ip in NAT64 or ip in NAT64_LOCAL:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    return found


def non_public_reason(address: str) -> str | None:
    """Why `address` is not a public unicast address, or None if it is one."""
    try:
        ip: Address = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return f"{address!r} is not an IP address"
    candidates: list[Address] = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        candidates += _embedded_ipv4(ip)
    for candidate in candidates:
        if not candidate.is_global or candidate.is_multicast or candidate.is_unspecified:
            return f"non-public address {candidate}"
    return None


def check_addresses(host: str, addresses: Iterable[str]) -> list[str]:
    """The addresses, if every one is public; else TargetRefused naming the bad one."""
    checked = list(addresses)
    if not checked:
        raise TransientError(f"{host} resolves to no address")
    for address in checked:
        reason = non_public_reason(address)
        if reason:
            raise TargetRefused(
                f"{host} resolves to {reason}: connections into the private network are "
                "refused on this installation"
            )
    return checked


def parse_target(url: str) -> httpx.URL:
    """The URL, if it is http(s) with a host; else TargetRefused naming it."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise TargetRefused(f"not a valid URL {url!r}: {exc}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise TargetRefused(f"url must be http(s) with a host: {url!r}")
    return parsed


def check_url(url: str, *, allow_private: bool | None = None, resolver: Resolver = resolve) -> None:
    """Refuse a URL into the private network (unless the instance allows it): at save time
    and before each request. `allow_private` None means the instance setting."""
    parsed = parse_target(url)
    if not _allowed(allow_private):
        check_addresses(parsed.host, resolver(parsed.host))


def check_host(
    host: str, port: int, *, allow_private: bool | None = None, resolver: Resolver = resolve
) -> list[str]:
    """The checked addresses of `host` for a non-HTTP protocol (SMTP); TargetRefused if any
    is non-public (unless the instance allows it) or the port is out of range."""
    name = host.strip().strip("[]")
    if not name or any(c in name for c in "/@ \t\r\n"):
        raise TargetRefused(f"not a host name: {host!r}")
    if not 0 < int(port) < 65536:
        raise TargetRefused(f"port {port} is out of range")
    addresses = resolver(name)
    if _allowed(allow_private):
        return addresses
    return check_addresses(name, addresses)


def guarded_connect(
    host: str,
    port: int,
    timeout: float | None = None,
    *,
    allow_private: bool | None = None,
    resolver: Resolver = resolve,
) -> socket.socket:
    """A TCP connection to `host`, made to one of the addresses `check_host` accepted (never
    a second resolution of the name). TLS callers pass the host name as server_hostname."""
    last: OSError | None = None
    for address in check_host(host, port, allow_private=allow_private, resolver=resolver):
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as exc:
            last = exc
    raise last or OSError(f"cannot connect to {host}")


class GuardedBackend(httpcore.SyncBackend):
    """Resolves the host itself, checks every address, then connects to a checked one.

    TLS still verifies the certificate against the host name (httpcore passes it separately
    as server_hostname), so pinning the address does not weaken HTTPS."""

    def __init__(self, *, allow_private: bool | None, resolver: Resolver) -> None:
        self.allow_private = allow_private
        self.resolver = resolver

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        name = host.strip("[]")
        addresses = self.resolver(name)
        if not _allowed(self.allow_private):
            try:
                addresses = check_addresses(name, addresses)
            except TargetRefused as exc:
                # Nothing left: a connect error, so no caller can mistake it for "maybe sent".
                raise httpcore.ConnectError(str(exc)) from exc
        last: Exception | None = None
        for address in addresses:
            try:
                return super().connect_tcp(
                    address, port, timeout, local_address, socket_options=socket_options
                )
            except httpcore.ConnectError as exc:
                last = exc
        raise last or httpcore.ConnectError(f"cannot connect to {name}")


@cache
def verifying_context() -> ssl.SSLContext:
    """The TLS context every guarded client verifies servers with: httpx's default (certifi's
    CA bundle, or SSL_CERT_FILE/SSL_CERT_DIR when set), built once per process.

    Loading the CA bundle costs milliseconds of CPU, and a new client per send built it
    again each time. One context serves any number of connections (Python's ssl
    documentation, "SSL Contexts": a context holds settings and certificates shared by the
    sockets made from it; httpx documentation, "SSL": pass an SSL context as `verify=`);
    nothing here changes it after it is made (httpcore sets the same ALPN list, http/1.1,
    on each connection: these clients never speak HTTP/2)."""
    return httpx.create_ssl_context()


def guarded_client(
    *,
    allow_private: bool | None = None,
    resolver: Resolver = resolve,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> httpx.Client:
    """An httpx client whose every connection passes the SSRF check (no redirects, no proxy
    from the environment: a proxy would connect on our behalf, unchecked)."""
    transport = httpx.HTTPTransport(retries=0, verify=verifying_context())
    # httpx has no public hook for httpcore's network backend; the pool keeps it here.
    transport._pool._network_backend = GuardedBackend(
        allow_private=allow_private, resolver=resolver
    )
    return httpx.Client(
        timeout=timeout, follow_redirects=False, trust_env=False, transport=transport
    )


def client_for(config: Mapping[str, Any], resolver: Resolver = resolve) -> httpx.Client:
    """The guarded client for a provider configured by a shop (whatever its config says,
    private targets follow the instance setting)."""
    return guarded_client(resolver=resolver)


def guarded_call(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    allow_private: bool | None = None,
    resolver: Resolver | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """`channels.http.call` after the save-time check, with the connect-time refusal (DNS
    rebinding) reported as the permanent TargetRefused it is."""
    check_url(url, allow_private=allow_private, resolver=resolver or _backend_resolver(client))
    try:
        return call(client, method, url, **kwargs)
    except TransientError as exc:
        refused = _refusal(exc)
        if refused is None:
            raise
        raise refused from None


def _backend_resolver(client: httpx.Client) -> Resolver:
    """The resolver the client's connections use, so both checks see the same answers."""
    transport = getattr(client, "_transport", None)
    backend = getattr(getattr(transport, "_pool", None), "_network_backend", None)
    return backend.resolver if isinstance(backend, GuardedBackend) else resolve


def _refusal(exc: BaseException) -> TargetRefused | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, TargetRefused):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None
