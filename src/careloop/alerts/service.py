"""Telling staff what needs them: every urgent "needs attention" item (a negative review's
2-hour reply deadline, an SLA about to breach, a channel failing, a maybe-sent message)
is emailed to the responsible staff member (the assignee, else the shop's owners) through
the shop's own email channel, once per cause (again when it grows, or after a day); and a
daily digest of everything at DIGEST_HOUR shop time. Each sent alert is recorded."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.alerts.models import StaffAlert
from careloop.core.attention import URGENT, AttentionItem, needs_attention
from careloop.core.clock import Clock, ensure_aware
from careloop.shops.models import Membership, Shop, StaffUser

REPEAT_AFTER = timedelta(hours=24)
DIGEST_HOUR = 8


@dataclass(frozen=True)
class Letter:
    shop_id: int
    user: StaffUser
    key: str
    count: int
    kind: str
    subject: str
    text: str


def recipients(session: Session, shop: Shop, item: AttentionItem) -> list[StaffUser]:
    """The responsible staff member, else the shop's owners."""
    if item.user_id is not None:
        user = session.get(StaffUser, item.user_id)
        if user is not None:
            return [user]
    return list(
        session.scalars(
            select(StaffUser)
            .join(Membership, Membership.user_id == StaffUser.id)
            .where(Membership.shop_id == shop.id, Membership.role == "owner")
            .order_by(StaffUser.id)
        )
    )


def _last(session: Session, shop_id: int, user_id: int, key: str) -> StaffAlert | None:
    return session.scalars(
        select(StaffAlert)
        .where(
            StaffAlert.shop_id == shop_id,
            StaffAlert.user_id == user_id,
            StaffAlert.key == key,
            StaffAlert.status == "sent",
        )
        .order_by(StaffAlert.sent_at.desc())
        .limit(1)
    ).first()


def _line(item: AttentionItem, locale: str, base_url: str) -> str:
    return f"- {item.say(locale)}: {item.fix(locale)} {base_url.rstrip('/')}{item.fix_url}"


def due_alerts(session: Session, shop: Shop, now: datetime, base_url: str) -> list[Letter]:
    """Urgent items not yet told to their people (or grown, or told over a day ago)."""
    letters = []
    for item in needs_attention(session, shop, now):
        if item.severity != URGENT:
            continue
        for user in recipients(session, shop, item):
            last = _last(session, shop.id, user.id, item.key)
            told = last is not None and last.count >= item.count
            if told and last is not None and ensure_aware(last.sent_at) > now - REPEAT_AFTER:
                continue
            locale = user.locale or shop.locale
            letters.append(
                Letter(
                    shop.id,
                    user,
                    item.key,
                    item.count,
                    "alert",
                    f"[{shop.name}] {item.say(locale)}",
                    _line(item, locale, base_url),
                )
            )
    return letters


def due_digests(session: Session, shop: Shop, now: datetime, base_url: str) -> list[Letter]:
    """The day's digest for each owner, once per shop-local day from DIGEST_HOUR on."""
    from careloop.journeys.policy import zone

    local = now.astimezone(zone(shop.timezone))
    if local.hour < DIGEST_HOUR:
        return []
    key = f"digest:{local.date().isoformat()}"
    items = needs_attention(session, shop, now)
    letters = []
    for user in recipients(session, shop, AttentionItem("digest", 0, {}, "", {})):
        if _last(session, shop.id, user.id, key) is not None:
            continue
        locale = (user.locale or shop.locale)[:2]
        title = "Việc cần xử lý hôm nay" if locale == "vi" else "What needs you today"
        lines = [_line(i, locale, base_url) for i in items] or [
            "Không có việc gì cần xử lý." if locale == "vi" else "Nothing needs you right now."
        ]
        letters.append(
            Letter(
                shop.id, user, key, len(items), "digest", f"[{shop.name}] {title}", "\n".join(lines)
            )
        )
    return letters


def deliver(session: Session, clock: Clock, shop: Shop, letters: list[Letter]) -> int:
    """Email each letter through the shop's email channel; record it sent or failed."""
    from careloop.channels.base import Outgoing, SendError
    from careloop.channels.email import SmtpProvider
    from careloop.channels.models import ChannelSettings

    if not letters:
        return 0
    row = session.scalars(
        select(ChannelSettings).where(
            ChannelSettings.shop_id == shop.id, ChannelSettings.channel == "email"
        )
    ).first()
    provider = SmtpProvider(dict(row.config), clock) if row is not None else None
    sent = 0
    try:
        for letter in letters:
            status, reason = "sent", None
            if provider is None:
                status, reason = "failed", "the shop's email channel is not set up"
            else:
                out = Outgoing(
                    message_id=0,
                    shop_id=shop.id,
                    dedup_id=secrets.token_hex(8),
                    kind="transactional",
                    channel="email",
                    to=letter.user.email,
                    subject=letter.subject,
                    text=letter.text,
                )
                try:
                    provider.send(out)
                    sent += 1
                except SendError as exc:
                    status, reason = "failed", exc.reason[:500]
            session.add(
                StaffAlert(
                    shop_id=shop.id,
                    user_id=letter.user.id,
                    key=letter.key,
                    count=letter.count,
                    kind=letter.kind,
                    channel="email",
                    status=status,
                    reason=reason,
                    sent_at=clock.now(),
                )
            )
    finally:
        if provider is not None:
            provider.close()
    return sent


def alert_shops(session: Session, clock: Clock, base_url: str) -> int:
    now = clock.now()
    total = 0
    for shop in session.scalars(select(Shop).order_by(Shop.id)):
        letters = due_alerts(session, shop, now, base_url) + due_digests(
            session, shop, now, base_url
        )
        total += deliver(session, clock, shop, letters)
    return total
