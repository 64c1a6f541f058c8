"""Outbound HTTP for providers, with the one rule that matters: a failure before the request
left is transient; a timeout or 5xx after it left is ambiguous ("maybe sent"), except 503,
which says the request was not handled.

429 and 503 are the provider asking us to slow down: they become RateLimited, honouring
`Retry-After` (RFC 9110 section 10.2.3: delay-seconds or an HTTP-date) when given, so the
dispatcher holds the shop's sends on that channel until then."""

from __future__ import annotations

from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from careloop.channels.base import AmbiguousError, RateLimited, TransientError

DEFAULT_TIMEOUT_SECONDS = 15.0
# Without a Retry-After, a 429/503 holds the channel this long.
DEFAULT_RETRY_AFTER_SECONDS = 60.0
# A Retry-After further out than this is capped (a misconfigured header must not park a
# shop's channel for days).
MAX_RETRY_AFTER_SECONDS = 6 * 3600.0


def rate_limited(response: httpx.Response, reason: str) -> RateLimited:
    """The RateLimited error for a response, honouring its `Retry-After`: delay-seconds or an
    HTTP-date (RFC 9110 section 10.2.3); without one, DEFAULT_RETRY_AFTER_SECONDS."""
    text = (response.headers.get("retry-after") or "").strip()
    if text.isdigit():
        return RateLimited(reason, retry_after=min(float(text), MAX_RETRY_AFTER_SECONDS))
    if text:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            when = when if when.tzinfo else when.replace(tzinfo=UTC)
            return RateLimited(reason, retry_after=DEFAULT_RETRY_AFTER_SECONDS, not_before=when)
    return RateLimited(reason, retry_after=DEFAULT_RETRY_AFTER_SECONDS)


def make_client(timeout: float = DEFAULT_TIMEOUT_SECONDS) -> httpx.Client:
    # No redirects: a provider answering 3xx is misconfigured, and following it could leak
    # credentials to another host.
    return httpx.Client(timeout=timeout, follow_redirects=False)


def call(client: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """Send one request; raise TransientError / AmbiguousError per the rule above."""
    try:
        response = client.request(method, url, **kwargs)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        raise TransientError(f"could not reach {_host(url)}: {exc}") from None
    except httpx.TransportError as exc:
        # The exception's text can quote what the remote sent (a protocol error echoes the
        # bad line): staff see the kind of failure only.
        raise AmbiguousError(
            f"{_host(url)} did not answer after the request left: {type(exc).__name__}"
        ) from None
    if response.status_code == 429:
        raise rate_limited(response, f"{_host(url)} is rate limiting (429)")
    if response.status_code == 503:
        # "Service Unavailable" (RFC 9110 15.6.4): the server did not handle the request, so
        # nothing was sent and retrying is safe. Other 5xx may follow partial processing.
        if "retry-after" in response.headers:
            raise rate_limited(response, f"{_host(url)} is unavailable (503)")
        raise TransientError(f"{_host(url)} is unavailable (503)")
    if response.status_code >= 500:
        raise AmbiguousError(f"{_host(url)} answered {response.status_code}")
    return response


def _host(url: str) -> str:
    return httpx.URL(url).host or url
