"""Feedback's "needs attention" items: negative reviews waiting for their public reply
(the seeds: answer a negative review within 2 hours)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop.core.attention import URGENT, AttentionItem
from careloop.feedback.models import Review


def review_items(session: Session, shop: Any, now: datetime) -> list[AttentionItem]:
    waiting = (
        Review.shop_id == shop.id,
        Review.respond_by.is_not(None),
        Review.responded_at.is_(None),
    )
    late = session.scalar(select(func.count()).where(*waiting, Review.respond_by < now)) or 0
    due = session.scalar(select(func.count()).where(*waiting, Review.respond_by >= now)) or 0
    items = []
    if due:
        items.append(
            AttentionItem(
                key="feedback.review_reply_due",
                count=int(due),
                text={
                    "en": "{n} negative reviews need a public reply within 2 hours",
                    "vi": "{n} đánh giá tiêu cực cần trả lời công khai trong 2 giờ",
                },
                fix_url="/feedback/reviews",
                fix_text={"en": "Reply now", "vi": "Trả lời ngay"},
                severity=URGENT,
            )
        )
    if late:
        items.append(
            AttentionItem(
                key="feedback.review_reply_late",
                count=int(late),
                text={
                    "en": "{n} negative reviews are past their 2-hour reply deadline",
                    "vi": "{n} đánh giá tiêu cực đã quá hạn trả lời 2 giờ",
                },
                fix_url="/feedback/reviews",
                fix_text={"en": "Reply now", "vi": "Trả lời ngay"},
                severity=URGENT,
            )
        )
    return items
