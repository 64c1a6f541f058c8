"""Per-shop channel settings: SMTP server, SMS provider, Zalo OA, webhook URL."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.channels.models import ChannelSettings
from careloop.channels.target_check import target_errors
from careloop.core.clock import Clock
from careloop.core.errors import FieldError, ValidationFailed
from careloop.shops.models import Shop

# channel -> (allowed providers, known fields, required fields)
FIELDS: dict[str, tuple[tuple[str, ...], frozenset[str], frozenset[str]]] = {
    "email": (
        ("smtp", "outbox"),
        frozenset(
            {
                "host",
                "port",
                "security",
                "username",
                "password",
                "from_address",
                "from_name",
                "reply_to",
                "timeout",
                "inbound_token",
            }
        ),
        frozenset({"host", "from_address"}),
    ),
    "sms": (
        ("twilio", "esms", "outbox"),
        frozenset(
            {
                "account_sid",
                "auth_token",
                "from_number",
                "messaging_service_sid",
                "api_key",
                "secret_key",
                "brandname",
                "sms_type",
                "sandbox",
                "base_url",
                "allow_private",
                "inbound_token",
                "esms_cpid",
                "esms_private_key",
                "cost_per_part",
            }
        ),
        frozenset(),
    ),
    "zalo": (
        ("zns", "outbox"),
        frozenset(
            {
                "oa_id",
                "app_id",
                "app_secret",
                "oa_secret_key",
                "access_token",
                "refresh_token",
                "access_token_expires_at",
                "base_url",
                "oa_base_url",
                "oauth_base_url",
                "allow_private",
                "template_ids",
            }
        ),
        frozenset({"app_id"}),
    ),
    "webhook": (
        ("http",),
        frozenset({"url", "secret", "allow_private"}),
        frozenset({"url", "secret"}),
    ),
}
REQUIRED_BY_PROVIDER = {
    "twilio": frozenset({"account_sid", "auth_token"}),
    "esms": frozenset({"api_key", "secret_key"}),
}
INT_FIELDS = {"port", "timeout", "cost_per_part"}
BOOL_FIELDS = {"sandbox", "allow_private"}


def get_channel_settings(session: Session, shop_id: int, channel: str) -> ChannelSettings | None:
    return session.scalar(
        select(ChannelSettings).where(
            ChannelSettings.shop_id == shop_id, ChannelSettings.channel == channel
        )
    )


def _coerce(name: str, value: Any) -> Any:
    if name == "template_ids":
        return dict(value) if isinstance(value, Mapping) else json.loads(str(value))
    if name in INT_FIELDS:
        return int(value)
    if name in BOOL_FIELDS:
        return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
    return str(value)


def set_channel_settings(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    channel: str,
    provider: str | None = None,
    values: Mapping[str, Any],
) -> ChannelSettings:
    """Merge `values` into the shop's settings of `channel`; unknown fields are refused and
    a value of None removes that setting. The one write path for the forms and the CLI."""
    if channel not in FIELDS:
        raise ValidationFailed([FieldError("channel", f"no settings for {channel!r}")])
    providers, known, required = FIELDS[channel]
    row = get_channel_settings(session, shop.id, channel)
    chosen = provider or (row.provider if row else providers[0])
    errors = []
    if chosen not in providers:
        errors.append(FieldError("provider", f"{chosen!r} is not one of {', '.join(providers)}"))
    merged = dict(row.config) if row else {}
    for name, value in values.items():
        if name not in known:
            errors.append(FieldError(name, f"unknown setting for {channel}"))
            continue
        if value is None:
            merged.pop(name, None)
            continue
        try:
            merged[name] = _coerce(name, value)
        except ValueError:
            errors.append(FieldError(name, f"not a valid value: {value!r}"))
    # Private targets are an instance setting (netguard), never a shop's: ignored if sent.
    merged.pop("allow_private", None)
    errors.extend(target_errors(channel, merged))
    if channel == "email" and merged.get("security", "starttls") not in ("starttls", "tls", "none"):
        errors.append(FieldError("security", "use starttls, tls or none"))
    # The demo outbox needs no account: the channel's server or app fields do not apply.
    needed = frozenset() if chosen == "outbox" else required
    for name in sorted((needed | REQUIRED_BY_PROVIDER.get(chosen, frozenset())) - set(merged)):
        errors.append(FieldError(name, "required"))
    if errors:
        raise ValidationFailed(errors)
    if row is None:
        row = ChannelSettings(
            shop_id=shop.id, channel=channel, provider=chosen, config=merged, updated_at=clock.now()
        )
        session.add(row)
    else:
        row.provider, row.config, row.updated_at = chosen, merged, clock.now()
    session.flush()
    return row
