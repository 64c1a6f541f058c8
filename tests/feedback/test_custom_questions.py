from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.context import AppContext
from careloop.customers.models import TimelineEvent
from careloop.feedback.models import SurveyResponse
from careloop.shops.models import Shop
from tests.feedback.test_surveys import a_customer, link_for

SURVEY: dict[str, Any] = {
    "key": "after_delivery",
    "kind": "nps",
    "name": "After delivery",
    "questions": [
        {
            "id": "liked",
            "type": "multiple_choice",
            "text": {"en": "What did you like?", "vi": "Bạn thích điều gì?"},
            "options": [
                {"id": "taste", "en": "Taste", "vi": "Hương vị"},
                {"id": "packaging", "en": "Packaging", "vi": "Đóng gói"},
                {"id": "speed", "en": "Delivery speed", "vi": "Giao nhanh"},
            ],
            "order": 2,
        },
        {
            "id": "again",
            "type": "yes_no",
            "text": {"en": "Would you buy again?", "vi": "Bạn sẽ mua lại chứ?"},
            "required": True,
            "order": 1,
        },
        {
            "id": "staff",
            "type": "scale_1_5",
            "text": {"en": "How helpful was our staff?", "vi": "Nhân viên hỗ trợ thế nào?"},
            "order": 3,
        },
        {
            "id": "wish",
            "type": "text",
            "text": {"en": "Anything we should add?", "vi": "Shop nên thêm gì?"},
            "order": 4,
        },
    ],
}


def test_a_survey_with_a_choice_question_without_options_is_refused_naming_the_field(
    api: TestClient,
) -> None:
    bad = {**SURVEY, "questions": [{**SURVEY["questions"][0], "options": []}]}
    response = api.post("/api/v1/surveys", json=bad)
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["loc"][:3] == ["body", "questions", 0]
    assert "at least 2 options" in detail["msg"]
    assert api.get("/api/v1/surveys").json() == []


def test_the_customer_answers_the_custom_questions_after_the_one_tap_score(
    api: TestClient, ctx: AppContext, shop: Shop
) -> None:
    assert api.post("/api/v1/surveys", json=SURVEY).json()["created"] is True
    a_customer(api, locale="vi")
    path = link_for(ctx, shop)
    page = api.post(path, data={"score": "9"})
    # Vietnamese wording, in the shop's order: the required yes/no first.
    assert page.text.index("Bạn sẽ mua lại chứ?") < page.text.index("Bạn thích điều gì?")
    assert "Hương vị" in page.text and "(không bắt buộc)" in page.text

    refused = api.post(path + "/comment", data={"q_liked": ["taste"], "comment": "Ngon"})
    assert refused.status_code == 422
    assert "Vui lòng trả lời câu hỏi này." in refused.text
    with ctx.sessions() as s:
        assert s.scalar(select(SurveyResponse.answers)) == {}

    done = api.post(
        path + "/comment",
        data={
            "q_again": "yes",
            "q_liked": ["taste", "speed"],
            "q_staff": "4",
            "q_wish": "<b>Trà sữa</b>",
            "comment": "Ngon",
        },
    )
    assert "Cảm ơn bạn! Chúng tôi đã nhận được góp ý." in done.text
    assert api.post(path + "/comment", data={"q_again": "no"}).status_code == 200  # kept once
    with ctx.sessions() as s:
        response = s.scalars(select(SurveyResponse)).one()
        assert response.survey_key == "after_delivery"
        assert response.answers == {
            "again": True,
            "liked": ["taste", "speed"],
            "staff": 4,
            "wish": "<b>Trà sữa</b>",
        }
        event = s.scalars(select(TimelineEvent).where(TimelineEvent.type == "survey.details")).one()
        assert event.payload["answers_text"]["Bạn thích điều gì?"] == "Hương vị, Giao nhanh"
        assert event.payload["comment"] == "Ngon"

    export = api.get("/api/v1/customers/C-1/export").json()
    assert any(e["type"] == "survey.details" for e in export["timeline"])

    results = api.get("/api/v1/surveys/after_delivery/results").json()
    by_id = {q["id"]: q for q in results["questions"]}
    assert by_id["liked"]["counts"] == {"Taste": 1, "Packaging": 0, "Delivery speed": 1}
    assert by_id["again"]["counts"] == {"Yes": 1, "No": 0}
    assert by_id["staff"]["mean"] == 4
    assert by_id["wish"]["texts"] == ["<b>Trà sữa</b>"]


def test_an_answer_outside_the_options_is_refused(
    api: TestClient, ctx: AppContext, shop: Shop
) -> None:
    api.post("/api/v1/surveys", json=SURVEY)
    a_customer(api, locale="en")
    path = link_for(ctx, shop)
    api.post(path, data={"score": "10"})
    refused = api.post(path + "/comment", data={"q_again": "yes", "q_staff": "9"})
    assert refused.status_code == 422
    assert "Please pick a number on the scale." in refused.text
