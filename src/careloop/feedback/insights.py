"""Feedback themes of a shop over a period: comments, reviews and ticket texts grouped by
the rules in themes.py, with each theme's matching texts and monthly trend."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.core.ports import SupportDesk, port
from careloop.feedback.models import Review, SurveyResponse
from careloop.feedback.themes import Feedback, Theme, group


def feedback_texts(
    session: Session, shop_id: int, start: datetime, end: datetime
) -> list[Feedback]:
    items = [
        Feedback("comment", f"response:{rid}", comment, at.strftime("%Y-%m"))
        for rid, comment, at in session.execute(
            select(SurveyResponse.id, SurveyResponse.comment, SurveyResponse.answered_at).where(
                SurveyResponse.shop_id == shop_id,
                SurveyResponse.comment != "",
                SurveyResponse.answered_at >= start,
                SurveyResponse.answered_at < end,
            )
        )
    ]
    items += [
        Feedback("review", f"review:{rid}", text, at.strftime("%Y-%m"))
        for rid, text, at in session.execute(
            select(Review.review_id, Review.text, Review.posted_at).where(
                Review.shop_id == shop_id,
                Review.text != "",
                Review.posted_at >= start,
                Review.posted_at < end,
            )
        )
    ]
    items += _ticket_texts(session, shop_id, start, end)
    return items


def _ticket_texts(session: Session, shop_id: int, start: datetime, end: datetime) -> list[Feedback]:
    """Ticket subjects, from the support desk."""
    texts = port(SupportDesk).ticket_texts(session, shop_id=shop_id, start=start, end=end)
    return [
        Feedback("ticket", f"ticket:{t.id}", f" {t.subject}", t.created_at.strftime("%Y-%m"))
        for t in texts
    ]


def shop_themes(session: Session, shop_id: int, start: datetime, end: datetime) -> list[Theme]:
    return group(feedback_texts(session, shop_id, start, end))
