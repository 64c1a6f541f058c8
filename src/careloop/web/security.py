"""Web security: response headers, CSRF tokens for the staff UI, and the login rate limit."""

from __future__ import annotations

import hmac
import secrets
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network

from fastapi import HTTPException, Request, status
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The staff UI: only our own origin. htmx, Chart.js and the CSS are vendored and served from
# /static; no inline scripts or <style> blocks (chart data travels as
# <script type="application/json">). Set by the staff UI's renderer on every page it makes.
STAFF_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# Everything else (API, customer-facing pages such as surveys and unsubscribe): scripts only
# from our origin, but inline styles allowed, since those pages are single files with a
# <style> block. A response that sets its own Content-Security-Policy keeps it.
DEFAULT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", DEFAULT_CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)
# The interactive API docs load Swagger UI from a CDN with inline scripts; leave them be.
_CSP_EXEMPT_PREFIXES = ("/docs", "/redoc")

CSRF_SESSION_KEY = "csrf"
CSRF_FORM_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class SecurityHeaders:
    """ASGI middleware adding CSP, X-Frame-Options and nosniff to every HTTP response
    (headers a response already has are kept)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        exempt = str(scope.get("path", "")).startswith(_CSP_EXEMPT_PREFIXES)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in SECURITY_HEADERS:
                    if name in present or (exempt and name == b"content-security-policy"):
                        continue
                    headers.append((name, value))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get(CSRF_SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_SESSION_KEY] = token
    return token


def rotate_csrf_token(request: Request) -> str:
    """A fresh token, e.g. at login, so a token seen before login is worthless after."""
    request.session.pop(CSRF_SESSION_KEY, None)
    return csrf_token(request)


async def csrf_protect(request: Request) -> None:
    """Dependency: unsafe methods must carry the session's token in a header or form field."""
    if request.method in _SAFE_METHODS:
        return
    expected = request.session.get(CSRF_SESSION_KEY)
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(CSRF_FORM_FIELD)
            sent = value if isinstance(value, str) else None
    if not isinstance(expected, str) or not sent or not hmac.compare_digest(expected, sent):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "the form expired or did not come from this site (CSRF check failed); "
            "reload the page and try again",
        )


@dataclass(frozen=True)
class RateLimit:
    max_failures: int
    window: timedelta


# Per client address and email: stops one client guessing one account's password; per
# email from anywhere: stops many addresses guessing one account (a soft lock, ASVS 2.2.1);
# per client address: stops one client spraying many accounts.
LOGIN_LIMIT_PER_ACCOUNT = RateLimit(max_failures=5, window=timedelta(minutes=15))
LOGIN_LIMIT_PER_EMAIL = RateLimit(max_failures=20, window=timedelta(minutes=15))
LOGIN_LIMIT_PER_IP = RateLimit(max_failures=50, window=timedelta(minutes=15))


class FailureLimiter:
    """Counts failures per key in a sliding window, in memory (one process).

    A multi-process deployment would put the same interface on a shared store."""

    MAX_KEYS = 100_000  # bound memory under a flood of distinct keys

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        self._failures: dict[str, deque[datetime]] = {}

    def retry_after(self, key: str, now: datetime) -> timedelta | None:
        """None if `key` may try now, else how long until it may."""
        stamps = self._recent(key, now)
        if len(stamps) < self.limit.max_failures:
            return None
        return stamps[0] + self.limit.window - now

    def record_failure(self, key: str, now: datetime) -> None:
        if key not in self._failures and len(self._failures) >= self.MAX_KEYS:
            self._prune(now)
        stamps = self._recent(key, now)
        stamps.append(now)
        self._failures[key] = stamps

    def reset(self, key: str) -> None:
        self._failures.pop(key, None)

    def _recent(self, key: str, now: datetime) -> deque[datetime]:
        stamps = self._failures.get(key, deque())
        while stamps and stamps[0] + self.limit.window <= now:
            stamps.popleft()
        if not stamps:
            self._failures.pop(key, None)
        return stamps

    def _prune(self, now: datetime) -> None:
        for key in list(self._failures):
            self._recent(key, now)
        if len(self._failures) >= self.MAX_KEYS:
            self._failures.clear()


class LoginRateLimiter:
    """Login attempts allowed per client address + email, per email and per client address."""

    def __init__(
        self,
        per_account: RateLimit = LOGIN_LIMIT_PER_ACCOUNT,
        per_ip: RateLimit = LOGIN_LIMIT_PER_IP,
        per_email: RateLimit = LOGIN_LIMIT_PER_EMAIL,
    ) -> None:
        self._account = FailureLimiter(per_account)
        self._email = FailureLimiter(per_email)
        self._ip = FailureLimiter(per_ip)

    def retry_after(self, ip: str, email: str, now: datetime) -> timedelta | None:
        waits = [
            w
            for w in (
                self._account.retry_after(_account_key(ip, email), now),
                self._email.retry_after(_email_key(email), now),
                self._ip.retry_after(ip, now),
            )
            if w is not None
        ]
        return max(waits) if waits else None

    def record_failure(self, ip: str, email: str, now: datetime) -> None:
        self._account.record_failure(_account_key(ip, email), now)
        self._email.record_failure(_email_key(email), now)
        self._ip.record_failure(ip, now)

    def record_success(self, ip: str, email: str) -> None:
        self._account.reset(_account_key(ip, email))


def _account_key(ip: str, email: str) -> str:
    return f"{ip}|{_email_key(email)}"


def _email_key(email: str) -> str:
    return email.strip().lower()


def parse_trusted_proxies(setting: str) -> tuple[IPv4Network | IPv6Network, ...]:
    """CARELOOP_TRUSTED_PROXIES: addresses or CIDR networks, comma separated."""
    networks = []
    for part in setting.split(","):
        if part.strip():
            try:
                networks.append(ip_network(part.strip(), strict=False))
            except ValueError:
                raise ValueError(
                    f"CARELOOP_TRUSTED_PROXIES: {part.strip()!r} is not an address or network"
                ) from None
    return tuple(networks)


def _trusted(address: str, proxies: tuple[IPv4Network | IPv6Network, ...]) -> bool:
    try:
        ip = ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in net for net in proxies)


def client_address(request: Request, trusted_proxies: str) -> str:
    """The client's address: the peer's, unless the peer is a configured proxy, in which
    case the nearest X-Forwarded-For hop that is not itself a trusted proxy. A client that
    is not a trusted proxy cannot choose its address by sending the header."""
    peer = request.client.host if request.client else "unknown"
    proxies = parse_trusted_proxies(trusted_proxies)
    if not proxies or not _trusted(peer, proxies):
        return peer
    hops = [
        hop.strip()
        for value in request.headers.getlist("x-forwarded-for")
        for hop in value.split(",")
        if hop.strip()
    ]
    for hop in reversed(hops):
        if not _trusted(hop, proxies):
            try:
                return str(ip_address(hop))
            except ValueError:
                return peer  # a garbled header from behind the proxy: count the proxy
    return hops[0] if hops else peer


def safe_next_path(value: str | None, default: str = "/") -> str:
    """A local path to go to after login; anything pointing off-site becomes `default`."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    if any(ch in value for ch in "\r\n\t") or value.startswith(("/login", "/logout")):
        return default
    return value
