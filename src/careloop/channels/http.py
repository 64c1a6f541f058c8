"""Outbound HTTP for providers, with the one rule that matters: a failure before the request
left is transient; a timeout or 5xx after it left is ambiguous ("maybe sent"), except 503,
which says the request was not handled."""

from __future__ import annotations

from typing import Any

import httpx

from careloop.channels.base import AmbiguousError, TransientError

DEFAULT_TIMEOUT_SECONDS = 15.0


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
        raise TransientError(f"{_host(url)} is rate limiting (429)")
    if response.status_code == 503:
        # "Service Unavailable" (RFC 9110 15.6.4): the server did not handle the request, so
        # nothing was sent and retrying is safe. Other 5xx may follow partial processing.
        raise TransientError(f"{_host(url)} is unavailable (503)")
    if response.status_code >= 500:
        raise AmbiguousError(f"{_host(url)} answered {response.status_code}")
    return response


def _host(url: str) -> str:
    return httpx.URL(url).host or url
