"""The save-time half of the outbound guard (netguard): every URL or host a shop saves in
its channel settings is checked before it is stored, so the owner hears at once that a
target points into the private network. The connect-time half runs at each connection."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from careloop.channels.base import TransientError
from careloop.channels.netguard import Resolver, TargetRefused, check_host, check_url, resolve
from careloop.core.errors import FieldError

# The settings that name a host the server will connect to, per channel.
URL_FIELDS: dict[str, tuple[str, ...]] = {
    "sms": ("base_url",),
    "zalo": ("base_url", "oauth_base_url"),
    "webhook": ("url",),
}
DEFAULT_SMTP_PORT = 587


def target_errors(
    channel: str, config: Mapping[str, Any], *, resolver: Resolver = resolve
) -> list[FieldError]:
    """The refused targets of `config`, each named by its field. A name that does not
    resolve right now is not refused here (the connection will check it again)."""
    errors: list[FieldError] = []
    checks: list[tuple[str, Any]] = []
    for name in URL_FIELDS.get(channel, ()):
        if config.get(name):
            checks.append((name, lambda v=str(config[name]): check_url(v, resolver=resolver)))
    if channel == "email" and config.get("host"):
        port = config.get("port") or DEFAULT_SMTP_PORT
        checks.append(
            ("host", lambda: check_host(str(config["host"]), int(port), resolver=resolver))
        )
    for name, check in checks:
        try:
            check()
        except TargetRefused as exc:
            errors.append(FieldError(name, str(exc)))
        except (TransientError, ValueError):
            continue
    return errors
