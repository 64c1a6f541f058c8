"""Feedback use cases: record survey answers and reviews (once each), route the unhappy to
recovery and the happy towards a public review, and draft replies."""

from __future__ import annotations

import zlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from careloop.core.clock import Clock
from careloop.core.errors import FieldError, NotFound, ValidationFailed
from careloop.core.ports import CustomerInsights, Rewards, StaffTasks, port
from careloop.customers.models import Customer
from careloop.customers.timeline import record_event
from careloop.feedback import rules
from careloop.feedback.models import Review, SurveyResponse
from careloop.feedback.schemas import ReviewIn, ReviewPublic
from careloop.shops.models import Shop

REVIEW_RESPONDED = "review.responded"


def thresholds(shop: Shop) -> rules.Thresholds:
    return rules.Thresholds.from_settings(shop.settings or {})


def record_response(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    customer_id: int,
    kind: str,
    score: int,
    response_key: str,
    source: str,
    answered_at: datetime | None = None,
    comment: str = "",
    order_external_id: str | None = None,
    message_id: int | None = None,
    channel: str | None = None,
) -> tuple[SurveyResponse, bool]:
    """Store an answer once per `response_key`; (the stored answer, whether it is new)."""
    if (problem := rules.check_score(kind, score)) is not None:
        raise ValidationFailed([FieldError("score", problem)])
    now = clock.now()
    response = SurveyResponse(
        shop_id=shop.id,
        customer_id=customer_id,
        response_key=response_key,
        kind=kind,
        score=score,
        comment=comment,
        answers={},
        order_external_id=order_external_id,
        message_id=message_id,
        channel=channel,
        source=source,
        answered_at=answered_at or now,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(response)
    except IntegrityError:
        existing = session.scalar(
            select(SurveyResponse).where(
                SurveyResponse.shop_id == shop.id, SurveyResponse.response_key == response_key
            )
        )
        assert existing is not None
        return existing, False
    limits = thresholds(shop)
    record_event(
        session=session,
        clock=clock,
        shop_id=shop.id,
        customer_id=customer_id,
        type="survey.answered",
        occurred_at=response.answered_at,
        source=source,
        event_key=f"survey:{response_key}",
        payload={
            "response_id": response.id,
            "kind": kind,
            "score": score,
            "happy": rules.is_happy(kind, score, limits),
            "unhappy": rules.is_unhappy(kind, score, limits),
            **({"order_id": order_external_id} if order_external_id else {}),
            **({"comment": comment[:500]} if comment else {}),
        },
        summary=f"{kind.upper()} {score}",
    )
    _reward(session, clock, shop, customer_id, response_key)
    return response, True


def _reward(session: Session, clock: Clock, shop: Shop, customer_id: int, key: str) -> None:
    """The seeds' thank-you for answering: an optional coupon (settings.feedback.reward_percent)."""
    percent = (shop.settings or {}).get("feedback", {}).get("reward_percent")
    if not percent:
        return
    port(Rewards).issue_coupon(
        session,
        clock,
        shop_id=shop.id,
        customer_id=customer_id,
        percent_off=int(percent),
        valid_days=30,
        reason="survey answered",
        idempotency_key=reward_key(key),
        source="reward",
    )


def reward_key(response_key: str) -> str:
    """The coupon a survey answer earned is issued (and found again) under this key."""
    return f"survey-reward:{response_key}"


def reward_code(session: Session, shop_id: int, response_key: str) -> str | None:
    """The code of the thank-you coupon this answer earned, to show the customer."""
    coupon = port(Rewards).find_coupon(
        session, shop_id=shop_id, idempotency_key=reward_key(response_key)
    )
    return None if coupon is None else coupon.code


def add_comment(*, session: Session, shop_id: int, response_id: int, comment: str) -> None:
    """The "why?" after a one-tap score; the first comment stays (a link is answered once)."""
    response = session.scalar(
        select(SurveyResponse).where(
            SurveyResponse.shop_id == shop_id, SurveyResponse.id == response_id
        )
    )
    if response is None:
        raise NotFound("survey response", response_id)
    if not response.comment:
        response.comment = comment.strip()[:5000]


def last_response(session: Session, shop_id: int, customer_id: int) -> SurveyResponse | None:
    return session.scalar(
        select(SurveyResponse)
        .where(SurveyResponse.shop_id == shop_id, SurveyResponse.customer_id == customer_id)
        .order_by(SurveyResponse.answered_at.desc(), SurveyResponse.id.desc())
        .limit(1)
    )


def may_ask_for_review(session: Session, shop: Shop, customer_id: int) -> rules.ReviewAsk:
    """Happy last answer and no open ticket: the only customers asked for a public review."""
    last = last_response(session, shop.id, customer_id)
    open_tickets = port(CustomerInsights).open_tickets(
        session, shop_id=shop.id, customer_id=customer_id
    )
    return rules.may_ask_for_review(
        last_kind=last.kind if last else None,
        last_score=last.score if last else None,
        open_tickets=open_tickets,
        t=thresholds(shop),
    )


def record_review(
    *, session: Session, clock: Clock, shop: Shop, data: ReviewIn, source: str
) -> tuple[Review, bool]:
    """Store a review once per `review_id`; a 1-2 star review gets an urgent staff task."""
    customer = None
    if data.customer_id:
        customer = customer_by_external_id(session, shop, data.customer_id)
    negative = data.rating <= rules.NEGATIVE_REVIEW_MAX
    review = Review(
        shop_id=shop.id,
        customer_id=customer.id if customer else None,
        review_id=data.review_id,
        platform=data.platform,
        rating=data.rating,
        text=data.text,
        url=data.url,
        sku=data.sku or None,
        posted_at=data.posted_at,
        respond_by=max(data.posted_at, clock.now()) + rules.PUBLIC_RESPONSE_WITHIN
        if negative
        else None,
        created_at=clock.now(),
    )
    try:
        with session.begin_nested():
            session.add(review)
    except IntegrityError:
        existing = session.scalar(
            select(Review).where(Review.shop_id == shop.id, Review.review_id == data.review_id)
        )
        assert existing is not None
        _maybe_edited(session, clock, shop, existing, data, source)
        return existing, False
    if customer is not None:
        record_event(
            session=session,
            clock=clock,
            shop_id=shop.id,
            customer_id=customer.id,
            type="review.posted",
            occurred_at=data.posted_at,
            source=source,
            event_key=f"review:{data.review_id}",
            payload={
                "review_id": data.review_id,
                "rating": data.rating,
                "platform": data.platform,
                # What the customer wrote: a negative review's ticket is triaged from it.
                **({"text": data.text[:500]} if data.text else {}),
            },
            summary=f"{data.rating}★ on {data.platform}",
        )
    if negative:
        _urgent_reply_task(session, clock, shop, review, customer)
    return review, True


def _maybe_edited(
    session: Session, clock: Clock, shop: Shop, review: Review, data: ReviewIn, source: str
) -> None:
    """The same review seen again with another rating or text: the customer edited it (the
    first version's rating is kept as `previous_rating`). Seen unchanged: nothing happens."""
    if review.rating == data.rating and review.text == data.text:
        return
    if review.previous_rating is None:
        review.previous_rating = review.rating
    before = review.rating
    review.rating, review.text = data.rating, data.text
    review.url = data.url or review.url
    review.edited_at = clock.now()
    if data.rating > rules.NEGATIVE_REVIEW_MAX:
        review.respond_by = None  # no longer a negative review waiting for a public reply
    if review.customer_id is not None:
        record_event(
            session=session,
            clock=clock,
            shop_id=shop.id,
            customer_id=review.customer_id,
            type="review.updated",
            source=source,
            event_key=f"review:{review.review_id}:edit:{data.rating}:{zlib.crc32(data.text.encode())}",
            payload={
                "review_id": review.review_id,
                "rating": data.rating,
                "previous_rating": before,
                "platform": review.platform,
            },
            summary=f"review updated {before}★ → {data.rating}★ on {review.platform}",
        )


def _urgent_reply_task(
    session: Session, clock: Clock, shop: Shop, review: Review, customer: Customer | None
) -> None:
    assert review.respond_by is not None
    port(StaffTasks).create_task(
        session,
        clock,
        shop_id=shop.id,
        customer_id=customer.id if customer else None,
        kind="reply_review",
        title=(
            f"Respond publicly within 2 hours to a {review.rating}★ {review.platform} review, "
            "then take it private"
        ),
        body=suggested_reply(shop, review, customer),
        due_at=review.respond_by,
        assignee_rule="owner",
        source="feedback",
        idempotency_key=f"review-reply:{review.review_id}",
    )


def suggested_reply(shop: Shop, review: Review, customer: Customer | None) -> str:
    name = (customer.name or "").split(" ")[-1] if customer and customer.name else ""
    locale = customer.locale if customer and customer.locale else shop.locale
    return rules.reply_suggestion(
        rating=review.rating, text=review.text, name=name, shop=shop.name, locale=locale
    )


def respond_to_review(
    *, session: Session, clock: Clock, shop: Shop, review_id: str, text: str, staff_id: int | None
) -> Review:
    """Staff record the public reply they posted, and when."""
    if not text.strip():
        raise ValidationFailed([FieldError("text", "the reply that was posted is required")])
    review = get_review(session, shop, review_id)
    review.response_text, review.responded_at = text.strip(), clock.now()
    review.responded_by = staff_id
    if review.customer_id is not None:
        late = review.respond_by is not None and review.responded_at > review.respond_by
        record_event(
            session=session,
            clock=clock,
            shop_id=shop.id,
            customer_id=review.customer_id,
            type=REVIEW_RESPONDED,
            source="staff",
            event_key=f"review:{review.review_id}:responded",
            payload={"review_id": review.review_id, "late": late},
            summary="public reply posted" + (" (late)" if late else ""),
        )
    return review


def get_review(session: Session, shop: Shop, review_id: str) -> Review:
    review = session.scalar(
        select(Review).where(Review.shop_id == shop.id, Review.review_id == review_id)
    )
    if review is None:
        raise NotFound("review", review_id)
    return review


def review_public(session: Session, shop: Shop, review: Review) -> ReviewPublic:
    customer = session.get(Customer, review.customer_id) if review.customer_id else None
    return ReviewPublic(
        review_id=review.review_id,
        customer_id=customer.external_id if customer else None,
        platform=review.platform,
        rating=review.rating,
        text=review.text,
        url=review.url,
        posted_at=review.posted_at,
        sku=review.sku,
        edited_at=review.edited_at,
        previous_rating=review.previous_rating,
        respond_by=review.respond_by,
        response_text=review.response_text,
        responded_at=review.responded_at,
        suggested_reply=suggested_reply(shop, review, customer),
    )


def customer_by_external_id(session: Session, shop: Shop, external_id: str) -> Customer:
    """By the customer's own id or any id linked to them (customers/identity.py)."""
    from careloop.customers.identity import customer_by_id

    customer = customer_by_id(session, shop.id, external_id)
    if customer is None:
        raise ValidationFailed([FieldError("customer_id", f"unknown customer {external_id!r}")])
    return customer
