"""Loyalty's "needs attention" items: codes the shop's store refused to create (or to use
up), one line per store answer, linking to the coupon page where the reason is shown and the
store can be tried again. Messages carrying such a code wait queued until it exists."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop.channels.reason_text import reason_text
from careloop.core.attention import URGENT, AttentionItem
from careloop.loyalty.models import Coupon
from careloop.loyalty.store_codes import REFUSED, USE_UP

COUPONS_URL = "/loyalty/coupons"
CAUSE_LENGTH = 200


def store_items(session: Session, shop: Any, now: datetime) -> list[AttentionItem]:
    rows = session.execute(
        select(Coupon.store_status, Coupon.store_error, func.count())
        .where(
            Coupon.shop_id == shop.id,
            Coupon.store_status.in_((REFUSED, USE_UP)),
            Coupon.store_error.is_not(None),
        )
        .group_by(Coupon.store_status, Coupon.store_error)
    ).all()
    items = []
    for status, error, n in rows:
        creating = status == REFUSED
        items.append(
            AttentionItem(
                key=f"loyalty.store_codes:{status}:{_cause(error, 'en')}",
                count=int(n),
                text={
                    "en": (
                        "{n} coupon codes not created in the store (their messages wait): "
                        if creating
                        else "{n} used coupon codes still open in the store: "
                    )
                    + _cause(error, "en"),
                    "vi": (
                        "{n} mã giảm giá chưa tạo được trên cửa hàng (tin nhắn đang chờ): "
                        if creating
                        else "{n} mã đã dùng vẫn còn hiệu lực trên cửa hàng: "
                    )
                    + _cause(error, "vi"),
                },
                fix_url=COUPONS_URL,
                fix_text={"en": "See why and retry", "vi": "Xem lý do và thử lại"},
                severity=URGENT,
            )
        )
    return items


def _cause(error: str | None, locale: str) -> str:
    """The store's refusal in the reader's words, shortened; braces in the store's own answer
    must not be read as format fields."""
    text = reason_text(error, locale)[:CAUSE_LENGTH]
    return text.replace("{", "{{").replace("}", "}}")
