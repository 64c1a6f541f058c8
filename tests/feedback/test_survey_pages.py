from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.feedback.models import Survey, SurveyResponse
from careloop.feedback.survey_ui import STARTER, STARTER_VI
from careloop.shops.models import Shop
from tests.feedback.test_custom_questions import SURVEY
from tests.feedback.test_surveys import a_customer, link_for
from tests.web.helpers import csrf_from, sign_in

BAD_YAML = """\
key: after_delivery
kind: nps
name: After delivery
questions:
  - id: liked
    type: single_choice
    text: {en: Liked, vi: Thích}
    options: []
"""


def answer_link(api: TestClient, ctx: AppContext, shop: Shop, **form: str | list[str]) -> None:
    path = link_for(ctx, shop)
    api.post(path, data={"score": "9"})
    api.post(path + "/comment", data=form)


def staff_client(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    role: str = "owner",
    locale: str = "en",
) -> TestClient:
    app_client.headers.pop("Authorization", None)
    sign_in(app_client, ctx, make_staff(shop, email=f"{role}@acme.test", role=role), shop, locale)
    return app_client


def test_the_surveys_page_shows_each_question_with_bars_means_and_escaped_text_answers(
    api: TestClient,
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    clock: VirtualClock,
) -> None:
    api.post("/api/v1/surveys", json=SURVEY)
    a_customer(api, locale="vi")
    answer_link(api, ctx, shop, q_again="yes", q_liked=["taste", "speed"], q_staff="4")
    clock.advance(timedelta(seconds=5))  # a second link (its own issue time)
    answer_link(api, ctx, shop, q_again="no", q_liked="taste", q_staff="5", q_wish="<b>Trà</b>")

    page = staff_client(app_client, ctx, shop, make_staff, role="viewer").get("/feedback").text
    assert 'data-testid="survey-after_delivery"' in page
    assert "What did you like?" in page and "Taste" in page
    # Taste 2 of 2 (full bar), Delivery speed 1 of 2 (half the longest bar), Packaging 0.
    assert 'aria-label="Taste: 2"' in page and 'aria-label="Delivery speed: 1"' in page
    assert 'width="50.0" height="10" class="fb-fill"' in page
    assert "Mean 4.5 of 5" in page
    assert "&lt;b&gt;Trà&lt;/b&gt;" in page and "<b>Trà</b>" not in page
    assert 'href="/feedback/surveys/after_delivery/preview"' in page


def test_the_results_speak_vietnamese_to_vietnamese_staff(
    api: TestClient,
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
) -> None:
    api.post("/api/v1/surveys", json=SURVEY)
    a_customer(api, locale="en")
    answer_link(api, ctx, shop, q_again="yes", q_liked="packaging")
    client = staff_client(app_client, ctx, shop, make_staff, locale="vi")
    page = client.get("/feedback").text
    assert "Bạn thích điều gì?" in page and 'aria-label="Đóng gói: 1"' in page
    assert "Câu hỏi riêng" in page and "Có" in page


def test_long_lists_of_written_answers_are_paged(
    api: TestClient,
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    clock: VirtualClock,
) -> None:
    api.post("/api/v1/surveys", json=SURVEY)
    a_customer(api, locale="en")
    for n in range(22):
        clock.advance(timedelta(seconds=2))
        answer_link(api, ctx, shop, q_again="yes", q_wish=f"wish number {n:02d}")
    client = staff_client(app_client, ctx, shop, make_staff, role="viewer")
    results = client.get("/feedback").text
    assert "wish number 21" in results and "wish number 16" not in results  # latest 5
    assert 'href="/feedback/surveys/after_delivery/answers/wish"' in results

    first = client.get("/feedback/surveys/after_delivery/answers/wish").text
    assert "wish number 21" in first and "wish number 02" in first
    assert "wish number 01" not in first and "Page 1 of 2" in first
    second = client.get("/feedback/surveys/after_delivery/answers/wish?page=2").text
    assert "wish number 01" in second and "wish number 00" in second
    assert client.get("/feedback/surveys/after_delivery/answers/nope").status_code == 404


def test_the_owner_writes_a_survey_in_yaml_and_sees_it_on_the_surveys_page(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    client = staff_client(app_client, ctx, shop, make_staff)
    editor = client.get("/feedback/surveys/new")
    assert editor.status_code == 200 and "key: after_delivery" in editor.text
    text = editor.text.split('aria-label="Survey definition (YAML)"')[1]
    text = text.split(">", 1)[1].split("</textarea>")[0].replace("&#39;", "'")
    import html

    saved = client.post(
        "/feedback/surveys", data={"text": html.unescape(text), "csrf_token": csrf_from(editor)}
    )
    assert saved.status_code == 200 and "Survey saved." in saved.text
    assert 'data-testid="survey-after_delivery"' in saved.text
    with ctx.sessions() as s:
        row = s.scalars(select(Survey)).one()
        assert [q["id"] for q in row.questions] == ["liked", "better"]

    again = client.get("/feedback/surveys/after_delivery/edit")
    assert "What could we do better?" in again.text and "Save survey" in again.text


def test_a_wrong_survey_definition_names_the_field_and_its_line_and_saves_nothing(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    client = staff_client(app_client, ctx, shop, make_staff)
    token = csrf_from(client.get("/feedback/surveys/new"))
    refused = client.post("/feedback/surveys", data={"text": BAD_YAML, "csrf_token": token})
    assert refused.status_code == 422
    assert "line 5: <code>questions.0</code>: a single_choice question needs at least 2" in (
        refused.text
    )
    assert "options: []" in refused.text  # the owner's text is kept to fix
    broken = client.post(
        "/feedback/surveys", data={"text": "key: [unclosed\nkind: nps", "csrf_token": token}
    )
    assert broken.status_code == 422 and "<code>yaml</code>" in broken.text
    with ctx.sessions() as s:
        assert s.scalars(select(Survey)).all() == []


def test_a_vietnamese_owner_starts_from_a_vietnamese_survey_that_checks_clean(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    """The starter's comments and name are in the owner's language; only YAML keys stay code."""
    client = staff_client(app_client, ctx, shop, make_staff, locale="vi")
    editor = client.get("/feedback/surveys/new")
    assert "name: Sau khi giao hàng" in editor.text and "After delivery" not in editor.text
    assert "mã (dòng đầu tiên)" in editor.text
    token = csrf_from(editor)
    good = client.post("/feedback/surveys/check", data={"text": STARTER_VI, "csrf_token": token})
    assert 'data-testid="survey-valid"' in good.text and "survey-error" not in good.text


def test_the_editor_checks_the_definition_as_the_owner_types_and_saves_nothing(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    client = staff_client(app_client, ctx, shop, make_staff)
    editor = client.get("/feedback/surveys/new")
    assert 'hx-post="/feedback/surveys/check"' in editor.text
    token = csrf_from(editor)
    wrong = client.post("/feedback/surveys/check", data={"text": BAD_YAML, "csrf_token": token})
    assert "line 5: <code>questions.0</code>: a single_choice question needs at least 2" in (
        wrong.text
    )
    good = client.post("/feedback/surveys/check", data={"text": STARTER, "csrf_token": token})
    assert 'data-testid="survey-valid"' in good.text and "survey-error" not in good.text
    with ctx.sessions() as s:
        assert s.scalars(select(Survey)).all() == []  # checking is not saving


def test_only_the_owner_may_change_a_survey(
    api: TestClient,
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
) -> None:
    api.post("/api/v1/surveys", json=SURVEY)
    client = staff_client(app_client, ctx, shop, make_staff, role="agent")
    page = client.get("/feedback/surveys/after_delivery/edit")
    assert "Only the owner can change surveys." in page.text and "readonly" in page.text
    assert client.get("/feedback/surveys/new").status_code == 403
    post = client.post("/feedback/surveys", data={"text": BAD_YAML, "csrf_token": csrf_from(page)})
    assert post.status_code == 403
    check = client.post(
        "/feedback/surveys/check", data={"text": BAD_YAML, "csrf_token": csrf_from(page)}
    )
    assert check.status_code == 403


def test_the_link_preview_shows_the_questions_in_either_language_and_records_nothing(
    api: TestClient,
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
) -> None:
    api.post("/api/v1/surveys", json=SURVEY)
    client = staff_client(app_client, ctx, shop, make_staff, role="viewer")
    vi = client.get("/feedback/surveys/after_delivery/preview?lang=vi").text
    assert "Bạn thích điều gì?" in vi and "Hương vị" in vi and "Xem trước" in vi
    en = client.get("/feedback/surveys/after_delivery/preview?lang=en").text
    assert "What did you like?" in en and "How likely are you to recommend us" in en
    assert "disabled" in en
    with ctx.sessions() as s:
        assert s.scalars(select(SurveyResponse)).all() == []
    assert client.get("/feedback/surveys/unknown/preview").status_code == 404
