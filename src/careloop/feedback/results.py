"""A survey's results: its answers loaded for one shop and summarised per question."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.feedback import surveys
from careloop.feedback.models import Survey, SurveyResponse

MAX_RESPONSES = 5000


@dataclass
class SurveyResults:
    survey: Survey
    responses: int
    questions: list[surveys.QuestionSummary]

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.survey.key,
            "kind": self.survey.kind,
            "name": self.survey.name,
            "responses": self.responses,
            "questions": [
                {
                    "id": s.question.id,
                    "type": s.question.type,
                    "text": s.question.text.model_dump(),
                    "answered": s.answered,
                    "counts": dict(s.counts),
                    "mean": s.mean,
                    "texts": s.texts,
                }
                for s in self.questions
            ],
        }


def survey_results(
    session: Session, survey: Survey, since: datetime | None = None
) -> SurveyResults:
    """The latest answers (newest first, at most MAX_RESPONSES) to `survey`'s questions."""
    stmt = select(SurveyResponse.answers).where(
        SurveyResponse.shop_id == survey.shop_id, SurveyResponse.survey_key == survey.key
    )
    if since is not None:
        stmt = stmt.where(SurveyResponse.answered_at >= since)
    rows = [
        dict(a or {})
        for a in session.scalars(
            stmt.order_by(SurveyResponse.answered_at.desc(), SurveyResponse.id.desc()).limit(
                MAX_RESPONSES
            )
        )
    ]
    questions = surveys.load_questions(survey.questions)
    return SurveyResults(survey, len(rows), surveys.summarise(questions, rows))


def text_answers(
    session: Session, survey: Survey, question_id: str, *, page: int, per_page: int = 20
) -> tuple[list[tuple[datetime, str]], int]:
    """One page of a text question's answers (newest first) and how many there are."""
    rows = session.execute(
        select(SurveyResponse.answered_at, SurveyResponse.answers)
        .where(SurveyResponse.shop_id == survey.shop_id, SurveyResponse.survey_key == survey.key)
        .order_by(SurveyResponse.answered_at.desc(), SurveyResponse.id.desc())
        .limit(MAX_RESPONSES)
    ).all()
    texts = [(at, str(a[question_id])) for at, a in rows if a and question_id in a]
    start = (max(page, 1) - 1) * per_page
    return texts[start : start + per_page], len(texts)
