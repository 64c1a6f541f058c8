"""The reasons Careloop writes on points entries (and their timeline events), read back in
the reader's language.

The ledger stores a reason as one English line ("order #DH-1", "reward: Free shipping"):
the API, CSV exports and the CLI show it as stored. A page shows the reason in its reader's
language: each line Careloop generates is recognised here by its pattern and rendered from a
catalogue key (`loyalty.reason.*`) with its parameters, so rows written before this module
read the same way. A reason a staff member typed is shown as typed."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

from careloop.core import events
from careloop.core.catalogue import t
from careloop.core.money import format_money
from careloop.core.timeline_text import Renderer, renderers_for
from careloop.loyalty.config import DEFAULT_REWARDS, Reward
from careloop.loyalty.ledger import KINDS
from careloop.web.ui.format import format_number

# Fixed reasons written by Careloop (loyalty, referrals, feedback, the demo) -> catalogue key.
FIXED: Final = {
    "points expired": "points.reason.expired",
    "happy birthday": "points.reason.birthday",
    "birthday month": "points.reason.birthday_month",
    "thank you for your feedback": "points.reason.feedback",
    "thank you for referring a friend": "points.reason.referrer",
    "referral converted": "points.reason.referral_converted",
    "welcome, friend": "points.reason.welcome_friend",
    "survey answered": "points.reason.survey",
    "we miss you: 10% off your next order": "points.reason.we_miss_you",
    "year-end campaign: share with friends": "points.reason.year_end",
}
# Reasons with parameters, first match wins (the reversal before the plain order).
PATTERNS: Final = (
    (re.compile(r"order #(?P<ref>\S+) (?P<what>returned|cancelled)"), "points.reason.order_"),
    (re.compile(r"order #(?P<ref>\S+)"), "points.reason.order"),
    (re.compile(r"(?P<years>\d+) year\(s\) since your first order"), "points.reason.anniversary"),
    (re.compile(r"for your order no\. (?P<n>\d+)"), "points.reason.order_number"),
    (re.compile(r"ticket #(?P<id>\d+)"), "points.reason.ticket"),
    (re.compile(r"early access: (?P<name>.+)"), "points.reason.early_access"),
)
_REWARD = re.compile(r"reward: (?P<name>.+)")
_BY = re.compile(r"(?P<reason>.+) \(by (?P<by>[^()]+)\)")


def reward_names(rewards: Iterable[Reward], locale: str) -> dict[str, str]:
    """English reward name (as reasons store it) -> the reward's name in `locale`."""
    return {r.name_en: r.name(locale) for r in (*DEFAULT_REWARDS, *rewards)}


def reason_text(reason: str, locale: str, rewards: Mapping[str, str] | None = None) -> str:
    """`reason` in `locale` when Careloop wrote it; as stored when a person typed it.
    `rewards` maps English reward names to the shop's names (default: the shipped rewards)."""
    text = reason.strip()
    if text in FIXED:
        return t(FIXED[text], locale)
    if match := _REWARD.fullmatch(text):
        names = rewards if rewards is not None else reward_names((), locale)
        return t("points.reason.reward", locale, name=names.get(match["name"], match["name"]))
    for pattern, key in PATTERNS:
        if match := pattern.fullmatch(text):
            params = match.groupdict()
            what = params.pop("what", None)
            return t(key + (what or ""), locale, **params)
    if match := _BY.fullmatch(text):
        inner = reason_text(match["reason"], locale, rewards)
        return t("points.reason.by", locale, reason=inner, by=match["by"])
    return reason


def entry_kind_label(kind: str, locale: str) -> str:
    """A ledger entry's kind (earn, redeem, expire…) as a word of `locale`."""
    return t(f"loyalty.entry_kind.{kind}", locale) if kind in KINDS else kind


def coupon_text(payload: Mapping[str, Any], locale: str) -> str:
    """What a coupon gives (its timeline payload), all of it, in `locale`: the words of
    careloop.loyalty.coupons.describe."""
    currency = str(payload["currency"])
    kind = payload["kind"]

    def money(minor: object) -> str:
        return format_money(int(minor or 0), currency, locale)  # type: ignore[call-overload]

    if kind == "free_shipping":
        return t("loyalty.coupon_text.free_shipping", locale)
    if kind == "gift_card":
        return t("loyalty.coupon_text.gift_card", locale, left=money(payload["balance_minor"]))
    if kind == "percent":
        text = t("loyalty.coupon_text.percent", locale, percent=payload["percent_off"])
        if payload.get("max_discount_minor") is not None:
            text += t(
                "loyalty.coupon_text.up_to", locale, amount=money(payload["max_discount_minor"])
            )
    else:
        text = t("loyalty.coupon_text.fixed", locale, amount=money(payload["amount_off_minor"]))
    items = [*(payload.get("product_skus") or ()), *(payload.get("categories") or ())]
    if items:
        text += t("loyalty.coupon_text.on", locale, items=", ".join(map(str, items)))
    if payload.get("free_shipping"):
        text += t("loyalty.coupon_text.plus_free_shipping", locale)
    return text


def _coupon_issued_line(payload: Mapping[str, Any], summary: str, locale: str) -> str | None:
    reason = reason_text(str(payload["reason"]), locale)
    return f"{coupon_text(payload, locale)} · {reason}" if reason else coupon_text(payload, locale)


def _coupon_redeemed_line(payload: Mapping[str, Any], summary: str, locale: str) -> str | None:
    return f"{payload['code']} · {coupon_text(payload, locale)}"


def _referral_rewarded_line(payload: Mapping[str, Any], summary: str, locale: str) -> str | None:
    side = t(f"loyalty.referral_side.{payload['side']}", locale)
    code = payload.get("code") or signed_points(int(payload["points"]), locale)
    return f"{side} · {code}"


def signed_points(points: int, locale: str) -> str:
    """Points with their sign in the reader's number format: "+2.000" (vi), "+2,000" (en)."""
    sign = "+" if points > 0 else "-" if points < 0 else ""
    return sign + format_number(abs(points), locale)


def _points_line(payload: Mapping[str, Any], summary: str, locale: str) -> str | None:
    points = signed_points(int(payload["points"]), locale)
    return f"{points} · {reason_text(str(payload.get('reason', '')), locale)}"


# Part of loyalty's timeline lines (careloop.loyalty.timeline_text.TIMELINE_TEXTS).
REASON_TEXTS: dict[str, Renderer] = {
    **renderers_for(
        (
            events.POINTS_EARNED,
            events.POINTS_REDEEMED,
            events.POINTS_EXPIRED,
            events.POINTS_REVERSED,
            events.POINTS_ADJUSTED,
        ),
        _points_line,
    ),
    events.COUPON_ISSUED: _coupon_issued_line,
    events.COUPON_REDEEMED: _coupon_redeemed_line,
    events.LOYALTY_REFERRAL_REWARDED: _referral_rewarded_line,
}
