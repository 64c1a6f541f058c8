"""REST routes of feedback: reviews and survey answers sent by a shop's systems."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body

from careloop.feedback import review_settings
from careloop.feedback.results import survey_results
from careloop.feedback.schemas import ResponseIn, ReviewIn, ReviewPublic
from careloop.feedback.service import (
    customer_by_external_id,
    record_response,
    record_review,
    review_public,
)
from careloop.feedback.survey_store import get_survey, list_surveys, save_survey, survey_as_dict
from careloop.feedback.surveys import SurveyDef
from careloop.web.deps import ApiShop, Ctx, SessionDep

router = APIRouter(tags=["feedback"])


@router.post("/reviews", response_model=ReviewPublic)
def post_review(data: ReviewIn, shop: ApiShop, session: SessionDep, ctx: Ctx) -> ReviewPublic:
    """Store a public review once per `review_id`; 1-2 stars open an urgent reply task."""
    review, _ = record_review(session=session, clock=ctx.clock, shop=shop, data=data, source="api")
    return review_public(session, shop, review)


@router.post("/survey-responses")
def post_response(
    data: ResponseIn, shop: ApiShop, session: SessionDep, ctx: Ctx
) -> dict[str, object]:
    """A survey answer collected elsewhere; each `response_id` is stored once."""
    customer = customer_by_external_id(session, shop, data.customer_id)
    response, created = record_response(
        session=session,
        clock=ctx.clock,
        shop=shop,
        customer_id=customer.id,
        kind=data.kind,
        score=data.score,
        response_key=f"api:{data.response_id}",
        source="api",
        answered_at=data.answered_at,
        comment=data.comment,
        order_external_id=data.order_id,
    )
    return {"response_id": data.response_id, "created": created, "score": response.score}


@router.get("/surveys")
def get_surveys(shop: ApiShop, session: SessionDep) -> list[dict[str, Any]]:
    """The shop's surveys: the one-tap score kind and the custom questions that follow it."""
    return [survey_as_dict(row) for row in list_surveys(session, shop.id)]


@router.post("/surveys")
def post_survey(data: SurveyDef, shop: ApiShop, session: SessionDep, ctx: Ctx) -> dict[str, Any]:
    """Create or replace the survey `key`; a bad definition is refused with the field named."""
    row, created = save_survey(session=session, clock=ctx.clock, shop=shop, data=data.model_dump())
    return {**survey_as_dict(row), "created": created}


@router.get("/surveys/{key}/results")
def get_survey_results(key: str, shop: ApiShop, session: SessionDep) -> dict[str, Any]:
    """Per question: answers counted per option, scale means, and the text answers."""
    return survey_results(session, get_survey(session, shop.id, key)).as_json()


def _review_settings_json(shop: Any) -> dict[str, Any]:
    settings = review_settings.current(shop)
    return {"review_requests": "per_order", **settings}


@router.get("/review-settings")
def get_review_settings(shop: ApiShop) -> dict[str, Any]:
    """How review requests are sent (per order or per product) and the review pages."""
    return _review_settings_json(shop)


@router.patch("/review-settings")
def patch_review_settings(
    shop: ApiShop, session: SessionDep, ctx: Ctx, data: dict[str, Any] = Body(...)
) -> dict[str, Any]:
    """Change some review settings (null: back to the default); a wrong value is refused
    naming the field (`feedback.review_requests`, ...) and nothing changes."""
    review_settings.set_review_settings(
        session=session, clock=ctx.clock, shop=shop, changes=data, actor="api"
    )
    return _review_settings_json(shop)
