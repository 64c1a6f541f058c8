"""Owners build surveys with a form (no YAML): questions, options, errors in their language."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.context import AppContext
from careloop.core.errors import ValidationFailed
from careloop.feedback import survey_form
from careloop.feedback.models import Survey
from careloop.shops.models import Shop
from tests.feedback.test_survey_pages import staff_client
from tests.web.helpers import csrf_from

FORM = {
    "name": "Sau khi giao hàng",
    "kind": "nps",
    "active": "1",
    "q-1-type": "multiple_choice",
    "q-1-text_vi": "Bạn thích điều gì?",
    "q-1-text_en": "What did you like?",
    "q-1-options": "Hương vị | Taste\nĐóng gói | Packaging\nGiao nhanh",
    "q-2-type": "text",
    "q-2-text_vi": "Chúng tôi có thể làm gì tốt hơn?",
    "q-2-options": "",
    "q-3-type": "single_choice",
    "q-3-text_vi": "",
    "q-3-options": "",
}


def test_a_filled_form_becomes_the_same_definition_the_yaml_editor_saves() -> None:
    fields = survey_form.fields_from_form(FORM)
    data = survey_form.definition_from_fields(fields, "vi")
    assert data["key"] == "sau_khi_giao_hang" and data["kind"] == "nps"
    liked, better = data["questions"]  # the empty third block is left out
    assert liked["id"] == "what_did_you_like"
    assert [o["id"] for o in liked["options"]] == ["taste", "packaging", "giao_nhanh"]
    assert liked["options"][2] == {"id": "giao_nhanh", "vi": "Giao nhanh", "en": "Giao nhanh"}
    assert better["text"] == {"vi": "Chúng tôi có thể làm gì tốt hơn?"} | {
        "en": "Chúng tôi có thể làm gì tốt hơn?"
    }
    assert "options" not in better


def test_errors_name_the_question_and_field_in_vietnamese() -> None:
    fields = survey_form.fields_from_form(
        {"name": "", "q-1-type": "single_choice", "q-1-text_vi": "Chọn một", "q-1-options": "A"}
    )
    with pytest.raises(ValidationFailed) as refused:
        survey_form.definition_from_fields(fields, "vi")
    shown = [f"{e.field}: {e.reason}" for e in refused.value.errors]
    assert shown == [
        "Tên khảo sát: bắt buộc nhập",
        "Câu hỏi 1 › các lựa chọn: cần ít nhất 2 lựa chọn, mỗi lựa chọn một dòng",
    ]


def test_editing_keeps_the_ids_of_options_whose_words_did_not_change() -> None:
    first = survey_form.definition_from_fields(survey_form.fields_from_form(FORM), "vi")
    first["questions"][0]["options"][0]["id"] = "taste_v1"  # as an older survey had it
    again = survey_form.fields_from_data(first)
    assert again.questions[0].options.splitlines()[0] == "Hương vị | Taste"
    second = survey_form.definition_from_fields(again, "vi", previous=first)
    assert second["questions"][0]["options"][0]["id"] == "taste_v1"


def test_the_owner_builds_a_survey_with_the_form_and_sees_it_on_the_surveys_page(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    client = staff_client(app_client, ctx, shop, make_staff, locale="vi")
    page = client.get("/feedback/surveys/build")
    assert page.status_code == 200 and "Câu hỏi (tiếng Việt)" in page.text
    assert "Thêm câu hỏi" in page.text and "Sửa dạng YAML (nâng cao)" in page.text
    token = csrf_from(page)

    more = client.post(
        "/feedback/surveys/build", data={**FORM, "action": "add", "csrf_token": token}
    )
    assert 'data-testid="question-4"' in more.text  # one more block, nothing typed is lost
    assert "Hương vị | Taste" in more.text

    saved = client.post(
        "/feedback/surveys/build", data={**FORM, "action": "save", "csrf_token": token}
    )
    assert saved.status_code == 200 and 'data-testid="survey-sau_khi_giao_hang"' in saved.text
    with ctx.sessions() as s:
        row = s.scalars(select(Survey)).one()
        assert [q["id"] for q in row.questions] == [
            "what_did_you_like",
            "chung_toi_co_the_lam_gi_tot_hon",
        ]

    edit = client.get("/feedback/surveys/sau_khi_giao_hang/build")
    assert "Đóng gói | Packaging" in edit.text and 'value="sau_khi_giao_hang"' in edit.text


def test_a_wrong_form_names_the_question_and_saves_nothing(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    client = staff_client(app_client, ctx, shop, make_staff, locale="vi")
    token = csrf_from(client.get("/feedback/surveys/build"))
    wrong = {**FORM, "q-1-options": "Chỉ một lựa chọn", "action": "save", "csrf_token": token}
    refused = client.post("/feedback/surveys/build", data=wrong)
    assert refused.status_code == 422
    assert "Câu hỏi 1 › các lựa chọn: cần ít nhất 2 lựa chọn" in refused.text
    assert "Chỉ một lựa chọn" in refused.text  # kept to fix
    with ctx.sessions() as s:
        assert s.scalars(select(Survey)).all() == []


def test_only_the_owner_may_use_the_survey_builder(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    client = staff_client(app_client, ctx, shop, make_staff, role="agent")
    assert client.get("/feedback/surveys/build").status_code == 403
