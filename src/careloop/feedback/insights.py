"""Feedback themes of a shop over a period: comments, reviews and ticket texts grouped by
the rules in themes.py, with each theme's matching texts and monthly trend."""

from __future__ import annotations

import importlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

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
    """Ticket subjects and first messages, when the support desk is installed."""
    try:
        support = importlib.import_module("careloop.support.models")
    except ImportError:
        return []
    ticket = getattr(support, "Ticket", None)
    if ticket is None or not hasattr(ticket, "subject"):
        return []
    body = getattr(ticket, "body", None) or getattr(ticket, "description", None)
    columns = [ticket.id, ticket.subject, ticket.created_at] + ([body] if body is not None else [])
    rows = session.execute(
        select(*columns).where(
            ticket.shop_id == shop_id, ticket.created_at >= start, ticket.created_at < end
        )
    )
    return [
        Feedback(
            "ticket",
            f"ticket:{row[0]}",
            " ".join(str(x or "") for x in row[3:] or [""]) + " " + str(row[1] or ""),
            row[2].strftime("%Y-%m"),
        )
        for row in rows
    ]


def shop_themes(session: Session, shop_id: int, start: datetime, end: datetime) -> list[Theme]:
    return group(feedback_texts(session, shop_id, start, end))
