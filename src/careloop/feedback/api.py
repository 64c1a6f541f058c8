"""REST routes of feedback: reviews and survey answers sent by a shop's systems."""

from __future__ import annotations

from fastapi import APIRouter

from careloop.feedback.schemas import ResponseIn, ReviewIn, ReviewPublic
from careloop.feedback.service import (
    customer_by_external_id,
    record_response,
    record_review,
    review_public,
)
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
