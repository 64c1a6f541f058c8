"""What every channel provider receives and how it reports failure.

A provider raises one of three errors, and the dispatcher acts on the kind, not the text:
TransientError (nothing was delivered; retry with backoff, then fall back), PermanentError
(this channel cannot deliver this message; fall back now) and AmbiguousError (the request
left and we do not know: retry only with the same de-duplication id)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Outgoing:
    message_id: int
    shop_id: int
    dedup_id: str
    kind: str
    channel: str
    to: str
    subject: str
    text: str
    html: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    customer: dict[str, Any] = field(default_factory=dict)
    template_key: str = ""
    # Email headers the dispatcher adds (List-Unsubscribe on marketing mail).
    headers: dict[str, str] = field(default_factory=dict)
    # Where the provider should post delivery reports for this message, if it supports it.
    status_callback: str | None = None


@dataclass(frozen=True)
class Sent:
    provider: str
    provider_message_id: str | None = None
    delivered: bool = False
    # Why this counts as sent when it is not a plain acceptance (e.g. eSMS 124: the
    # RequestId was already accepted by an earlier attempt); kept in the status history.
    note: str | None = None


class SendError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TransientError(SendError):
    """Nothing was delivered and trying again later may work (timeout before sending, 429)."""


class RateLimited(TransientError):
    """The provider asked us to slow down (HTTP 429/503 with `Retry-After`, a quota or balance
    error, a sending-hours ban). Nothing was delivered; the message is not at fault, so it is
    not failed and the attempt does not count: the shop's sends on this channel wait until
    `retry_after` seconds from now, or until `not_before` when the provider named a moment
    (a per-shop, per-channel "not before" the dispatcher honours)."""

    def __init__(
        self, reason: str, *, retry_after: float = 60.0, not_before: datetime | None = None
    ) -> None:
        super().__init__(reason)
        self.retry_after = max(float(retry_after), 1.0)
        self.not_before = not_before

    def until(self, now: datetime) -> datetime:
        """When sends on the channel may resume, read against the caller's clock."""
        if self.not_before is not None and self.not_before > now:
            return self.not_before
        return now + timedelta(seconds=self.retry_after)


class PermanentError(SendError):
    """This channel will never deliver this message; `suppress` marks the address unusable."""

    def __init__(self, reason: str, *, suppress: bool = False) -> None:
        super().__init__(reason)
        self.suppress = suppress


class AmbiguousError(SendError):
    """The request left; it may or may not have been delivered (timeout or 5xx after send)."""


class Provider(Protocol):
    name: str
    # True when the provider de-duplicates on our id, so an ambiguous send may be retried.
    supports_dedup: bool

    def send(self, out: Outgoing) -> Sent: ...

    def close(self) -> None: ...


SECRET_FIELDS = frozenset(
    {
        "password",
        "auth_token",
        "secret_key",
        "api_key",
        "app_secret",
        "access_token",
        "refresh_token",
        "secret",
        "oa_secret_key",
        "inbound_token",
        "esms_private_key",
    }
)


def redact(config: dict[str, Any]) -> dict[str, Any]:
    """Settings safe to print: secrets show only that they are set."""
    return {k: ("***" if k in SECRET_FIELDS and v else v) for k, v in config.items()}


# Not secrets, but enough to find or impersonate the shop's account at its provider: shown
# to owners, masked for everyone else.
ACCOUNT_FIELDS = frozenset({"username", "account_sid", "messaging_service_sid", "app_id"})
URL_FIELDS = frozenset({"url"})


def mask_url(url: str) -> str:
    """Scheme and host only: a webhook URL's path and query often carry a token."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}/…" if parts.scheme and parts.hostname else "…"


@dataclass(frozen=True)
class Hidden:
    """A value the page must not show: only whether it is set."""

    hidden_is_set: bool


def settings_for_display(
    config: dict[str, Any], known: frozenset[str], owner: bool
) -> dict[str, Any]:
    """What the settings page shows: every secret the channel knows as set / not set
    (`Hidden`; never its value, to anyone); for non-owners also account names masked and
    URLs cut to their host."""
    shown: dict[str, Any] = {}
    for key in sorted(set(config) | (known & SECRET_FIELDS)):
        value = config.get(key)
        if key in SECRET_FIELDS or (not owner and key in ACCOUNT_FIELDS):
            shown[key] = Hidden(bool(value))
        elif not owner and key in URL_FIELDS and value:
            shown[key] = mask_url(str(value))
        else:
            shown[key] = value
    return shown
