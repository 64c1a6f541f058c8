"""Keeping a shop's survey definitions, and storing a customer's answers to the custom
questions (once per response, on their timeline)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.core.clock import Clock
from careloop.core.errors import NotFound
from careloop.customers.timeline import record_event
from careloop.feedback import surveys
from careloop.feedback.models import Survey, SurveyResponse
from careloop.shops.models import Shop

SURVEY_DETAILS = "survey.details"


def save_survey(
    *, session: Session, clock: Clock, shop: Shop, data: Mapping[str, Any]
) -> tuple[Survey, bool]:
    """Create or replace the survey `data["key"]` (checked first: nothing changes when a
    field is wrong); (the row, whether it is new). Answers already given keep their ids."""
    definition = surveys.parse_survey(data)
    now = clock.now()
    row = session.scalar(
        select(Survey).where(Survey.shop_id == shop.id, Survey.key == definition.key)
    )
    created = row is None
    if row is None:
        row = Survey(shop_id=shop.id, key=definition.key, created_at=now)
        session.add(row)
    row.kind = definition.kind
    row.name = definition.name
    row.active = definition.active
    row.questions = surveys.stored_questions(definition)
    row.updated_at = now
    session.flush()
    return row, created


def list_surveys(session: Session, shop_id: int) -> list[Survey]:
    return list(
        session.scalars(select(Survey).where(Survey.shop_id == shop_id).order_by(Survey.key))
    )


def get_survey(session: Session, shop_id: int, key: str) -> Survey:
    row = session.scalar(select(Survey).where(Survey.shop_id == shop_id, Survey.key == key))
    if row is None:
        raise NotFound("survey", key)
    return row


def survey_for(session: Session, shop_id: int, kind: str, key: str | None = None) -> Survey | None:
    """The survey a link asks: the one it names, else the shop's latest active one of its
    kind (NPS or CSAT); None when the shop defined none (score and "why?" only)."""
    stmt = select(Survey).where(Survey.shop_id == shop_id, Survey.active.is_(True))
    if key:
        named = session.scalar(stmt.where(Survey.key == key))
        if named is not None:
            return named
    return session.scalar(
        stmt.where(Survey.kind == kind).order_by(Survey.updated_at.desc(), Survey.id.desc())
    )


def survey_as_dict(row: Survey) -> dict[str, Any]:
    return {
        "key": row.key,
        "kind": row.kind,
        "name": row.name,
        "active": row.active,
        "questions": row.questions,
    }


def record_answers(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    response: SurveyResponse,
    survey: Survey | None,
    answers: Mapping[str, Any],
    comment: str,
    lang: str,
) -> bool:
    """Store the follow-up answers (and "why?") of a response once; False if it already had
    them. Every answer goes on the customer's timeline, in words, so the export has it."""
    if response.answers or response.comment:
        return False
    response.answers = dict(answers)
    response.comment = comment.strip()[:5000]
    if survey is not None:
        response.survey_key = survey.key
    if not response.answers and not response.comment:
        return True
    questions = surveys.load_questions(survey.questions) if survey else []
    described = {
        q.text.in_(lang): surveys.describe_answer(q, response.answers[q.id], lang)
        for q in questions
        if q.id in response.answers
    }
    record_event(
        session=session,
        clock=clock,
        shop_id=shop.id,
        customer_id=response.customer_id,
        type=SURVEY_DETAILS,
        source="link",
        event_key=f"survey-details:{response.response_key}",
        payload={
            "response_id": response.id,
            "kind": response.kind,
            "score": response.score,
            **({"survey": survey.key} if survey else {}),
            "answers": response.answers,
            "answers_text": {k[:300]: v[:500] for k, v in described.items()},
            **({"comment": response.comment[:500]} if response.comment else {}),
        },
        summary=_summary(response, described),
    )
    return True


def _summary(response: SurveyResponse, described: Mapping[str, str]) -> str:
    parts = [f"{k}: {v}" for k, v in described.items()]
    if response.comment:
        parts.insert(0, f'"{response.comment[:120]}"')
    return ("; ".join(parts))[:300] or f"{response.kind.upper()} {response.score}"
