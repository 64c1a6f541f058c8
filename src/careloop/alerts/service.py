"""Telling staff what needs them: every urgent "needs attention" item (a negative review's
2-hour reply deadline, an SLA about to breach, a channel failing, a parked webhook, a
maybe-sent message) reaches the responsible staff member (the assignee, else the shop's
owners) on the channel they chose on their account page (email, SMS, Zalo) through the
shop's own provider for it, by email when the shop has not set that channel up; once per
cause (again when it grows, or after a day); and a daily digest of everything at
DIGEST_HOUR shop time. Each alert is recorded with the channel it went on."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.alerts.models import StaffAlert
from careloop.channels.base import Outgoing, Provider, SendError
from careloop.channels.models import ChannelSettings
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
    from careloop.channels.policy import zone

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


ProviderFor = Callable[[ChannelSettings], Provider]
ZALO_TEMPLATE = "staff_alert"  # the shop's approved ZNS template for staff alerts


def _default_provider(clock: Clock) -> ProviderFor:
    def build(row: ChannelSettings) -> Provider:
        from careloop.channels.email import SmtpProvider
        from careloop.channels.sms import sms_provider
        from careloop.channels.zalo import ZaloProvider

        if row.channel == "email":
            return SmtpProvider(dict(row.config), clock)
        if row.channel == "sms":
            return sms_provider(row.provider, dict(row.config))

        def save_tokens(tokens: dict[str, Any]) -> None:
            # Into the row of the alert pass's own transaction: a second connection would
            # wait on that transaction's write lock (SQLite).
            row.config = {**row.config, **tokens}

        return ZaloProvider(dict(row.config), clock=clock, save_tokens=save_tokens)

    return build


def _usable(channel: str, row: ChannelSettings | None) -> bool:
    """Set up for staff alerts: Zalo ZNS also needs the shop's approved alert template."""
    if row is None:
        return False
    if channel == "zalo":
        return bool((row.config.get("template_ids") or {}).get(ZALO_TEMPLATE))
    return True


def route(user: StaffUser, rows: dict[str, ChannelSettings]) -> tuple[str, str, str | None]:
    """(channel, address, note) for a person's alert: the channel they chose on their account
    page when the shop has it set up, else email, with a note saying why."""
    chosen = user.alert_channel or "email"
    if chosen == "email" or not user.alert_phone:
        return "email", user.email, None
    if _usable(chosen, rows.get(chosen)):
        return chosen, user.alert_phone, None
    why = (
        f"has no approved '{ZALO_TEMPLATE}' ZNS template"
        if chosen == "zalo" and chosen in rows
        else "is not set up"
    )
    return (
        "email",
        user.email,
        f"chose {chosen}, but the shop's {chosen} channel {why}: sent by email",
    )


def _outgoing(shop: Shop, letter: Letter, channel: str, to: str) -> Outgoing:
    text = letter.text if channel == "email" else f"{letter.subject}\n{letter.text}"
    return Outgoing(
        message_id=0,
        shop_id=shop.id,
        dedup_id=secrets.token_hex(8),
        kind="transactional",
        channel=channel,
        to=to,
        subject=letter.subject,
        text=text,
        data={"shop": shop.name, "alert": letter.subject},
        template_key=ZALO_TEMPLATE if channel == "zalo" else "",
    )


def deliver(
    session: Session,
    clock: Clock,
    shop: Shop,
    letters: list[Letter],
    provider_for: ProviderFor | None = None,
) -> int:
    """Send each letter on the channel its person chose (through the shop's provider for
    it), else by email; record it sent or failed, and any fallback in its reason."""
    if not letters:
        return 0
    build = provider_for or _default_provider(clock)
    rows = {
        row.channel: row
        for row in session.scalars(
            select(ChannelSettings).where(
                ChannelSettings.shop_id == shop.id,
                ChannelSettings.channel.in_(("email", "sms", "zalo")),
            )
        )
    }
    providers: dict[str, Provider] = {}
    sent = 0
    try:
        for letter in letters:
            channel, to, note = route(letter.user, rows)
            status, reason = "sent", note
            row = rows.get(channel)
            if row is None:
                status = "failed"
                reason = "; ".join(
                    filter(None, [note, f"the shop's {channel} channel is not set up"])
                )
            else:
                try:
                    if channel not in providers:
                        providers[channel] = build(row)
                    providers[channel].send(_outgoing(shop, letter, channel, to))
                    sent += 1
                except SendError as exc:
                    status = "failed"
                    reason = "; ".join(filter(None, [note, exc.reason]))[:500]
            session.add(
                StaffAlert(
                    shop_id=shop.id,
                    user_id=letter.user.id,
                    key=letter.key,
                    count=letter.count,
                    kind=letter.kind,
                    channel=channel,
                    status=status,
                    reason=reason,
                    sent_at=clock.now(),
                )
            )
    finally:
        for provider in providers.values():
            provider.close()
    return sent


def alert_shops(
    session: Session, clock: Clock, base_url: str, provider_for: ProviderFor | None = None
) -> int:
    now = clock.now()
    total = 0
    for shop in session.scalars(select(Shop).order_by(Shop.id)):
        letters = due_alerts(session, shop, now, base_url) + due_digests(
            session, shop, now, base_url
        )
        total += deliver(session, clock, shop, letters, provider_for)
    return total
