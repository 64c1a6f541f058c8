"""What feedback holds about a person: their comments and answers, their review texts
and the shop's replies to them, and the review requests sent to them. Scores and ratings
stay, so NPS, CSAT and review score remain true."""

from __future__ import annotations

from careloop.core.personal_data import (
    PersonalData,
    customer_link,
    note_if_pending,
    stop_pending,
)
from careloop.feedback.models import Review, ReviewRequest, SurveyResponse

SURVEY_RESPONSES = PersonalData(
    name="survey_responses",
    table=SurveyResponse.__table__,  # type: ignore[arg-type]
    label={"en": "Survey answers", "vi": "Câu trả lời khảo sát"},
    rows=customer_link(SurveyResponse.customer_id),
    blank={"comment": "", "answers": {}},
    rekey=("response_key",),
    kept={
        "kind": "nps, csat or custom",
        "order_external_id": "the shop's order number",
        "survey_key": "the shop's survey name",
        "channel": "a channel word",
        "source": "where the answer came from",
    },
)

REVIEWS = PersonalData(
    name="reviews",
    table=Review.__table__,  # type: ignore[arg-type]
    label={"en": "Reviews", "vi": "Đánh giá"},
    rows=customer_link(Review.customer_id),
    blank={"text": "", "url": None, "response_text": None, "customer_id": None},
    kept={
        "review_id": "the platform's review id (a re-import must not count it twice)",
        "platform": "a platform name",
        "sku": "the shop's catalogue",
    },
)

REVIEW_REQUESTS = PersonalData(
    name="review_requests",
    table=ReviewRequest.__table__,  # type: ignore[arg-type]
    label={"en": "Review requests", "vi": "Lời mời đánh giá"},
    rows=customer_link(ReviewRequest.customer_id),
    blank={
        "status": stop_pending(("pending",), "stopped"),
        "outcome": note_if_pending("outcome", ("pending",), "customer erased"),
    },
    scrub=("outcome",),
    rekey=("request_key",),
    kept={
        "kind": "product or update",
        "order_external_id": "the shop's order number",
        "sku": "the shop's catalogue",
        "product_name": "the shop's catalogue",
        "review_id": "the platform's review id",
        "target_url": "the shop's own review page",
    },
)

DECLARATIONS = (SURVEY_RESPONSES, REVIEWS, REVIEW_REQUESTS)
