"""Why a coupon was issued, in the staff's language: coupons store the reason as written when
they were issued (in English, or a code); the coupons page words the known ones."""

from __future__ import annotations

from typing import Final

from careloop.loyalty.config import ProgramConfig
from careloop.web.i18n import t

REWARD_PREFIX: Final = "reward: "
# Reasons written by loyalty/referrals.py and the demo shop (loyalty/demo.py).
KNOWN: Final = {
    "thank you for referring a friend": "loyalty.reason.referral_advocate",
    "welcome, friend": "loyalty.reason.referral_friend",
    "we miss you: 10% off your next order": "loyalty.reason.we_miss_you_10",
    "year-end campaign: share with friends": "loyalty.reason.year_end_share",
}


def coupon_reason(reason: str | None, locale: str, config: ProgramConfig) -> str:
    """The reason in `locale`: a redeemed reward by its name, a known reason translated, any
    other as it was written."""
    text = reason or ""
    if text in KNOWN:
        return t(KNOWN[text], locale)
    if text.startswith(REWARD_PREFIX):
        name = text.removeprefix(REWARD_PREFIX)
        reward = next((r for r in config.rewards if name in (r.name_en, r.name_vi)), None)
        return t("loyalty.reason.reward", locale, name=reward.name(locale) if reward else name)
    return text
