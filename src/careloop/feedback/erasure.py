"""What feedback erases of a customer: their comments and review texts (scores and ratings
stay, so NPS and review score remain true)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from careloop.customers.erasure import register_eraser
from careloop.feedback.models import Review, SurveyResponse


def erase_feedback(session: Session, shop_id: int, customer_id: int) -> int:
    comments: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(SurveyResponse)
        .where(SurveyResponse.shop_id == shop_id, SurveyResponse.customer_id == customer_id)
        .values(comment="", answers={})
    )
    reviews: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(Review)
        .where(Review.shop_id == shop_id, Review.customer_id == customer_id)
        .values(text="", url=None, customer_id=None)
    )
    return int(comments.rowcount or 0) + int(reviews.rowcount or 0)


register_eraser("feedback", erase_feedback)
