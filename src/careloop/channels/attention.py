"""Channels' "needs attention" items: failed sends grouped by cause (one line per cause,
never one per message), messages that may have been sent, and channels messages wait for
that are not set up."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop.channels.models import Message
from careloop.core.attention import URGENT, AttentionItem
from careloop.core.catalogue import catalogue_pairs

WINDOW = timedelta(days=7)
SETTINGS_URL = "/settings/channels"
FAILED_URL = "/messages?status=failed"
_NOT_CONFIGURED = re.compile(r"^(\w+) is not configured")
_NO_ADDRESS = re.compile(r"^customer has no (\w+) address")


def failure_cause(reason: str | None) -> tuple[str, str | None]:
    """A failure reason folded into its cause: ("not_configured", "email"), ("no_address",
    "sms"), or ("provider", None) for what the provider answered."""
    text = (reason or "").strip()
    if m := _NOT_CONFIGURED.match(text):
        return "not_configured", m.group(1)
    if m := _NO_ADDRESS.match(text):
        return "no_address", m.group(1)
    return "provider", None


_TEXTS = catalogue_pairs("channels.attention.texts")
_FIX = catalogue_pairs("channels.attention.fix")


def channel_items(session: Session, shop: Any, now: datetime) -> list[AttentionItem]:
    rows = session.execute(
        select(Message.status, Message.channel, Message.reason, func.count())
        .where(
            Message.shop_id == shop.id,
            Message.status.in_(("failed", "maybe_sent")),
            Message.created_at >= now - WINDOW,
        )
        .group_by(Message.status, Message.channel, Message.reason)
    ).all()
    failed: dict[tuple[str, str], int] = {}
    maybe = 0
    for status, channel, reason, n in rows:
        if status == "maybe_sent":
            maybe += int(n)
            continue
        cause, named = failure_cause(reason)
        key = (cause, named or str(channel or "?"))
        failed[key] = failed.get(key, 0) + int(n)
    items = []
    for (cause, channel), n in failed.items():
        text = {k: v.replace("{channel}", channel) for k, v in _TEXTS[cause].items()}
        url = SETTINGS_URL if cause == "not_configured" else f"{FAILED_URL}&channel={channel}"
        items.append(
            AttentionItem(
                key=f"channels.failed:{channel}:{cause}",
                count=n,
                text=text,
                fix_url=url,
                fix_text=_FIX[cause],
                severity=URGENT if cause != "no_address" else "warning",
            )
        )
    if maybe:
        items.append(
            AttentionItem(
                key="channels.maybe_sent",
                count=maybe,
                text={
                    "en": "{n} messages may have been sent: the provider did not answer",
                    "vi": "{n} tin có thể đã gửi: nhà cung cấp không trả lời",
                },
                fix_url="/messages?status=maybe_sent",
                fix_text={"en": "Check and decide", "vi": "Kiểm tra và quyết định"},
                severity=URGENT,
            )
        )
    return items
