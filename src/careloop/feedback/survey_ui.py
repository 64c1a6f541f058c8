"""Staff pages for custom surveys: the YAML editor (owner only; errors name the field and
its line), the page a customer's link opens (previewed in either language), and all the
text answers of a question, page by page. The results themselves are on /feedback."""

from __future__ import annotations

from math import ceil
from typing import Annotated, Any, Final

import yaml
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from careloop.audit.service import audit
from careloop.core.errors import FieldError, ValidationFailed
from careloop.feedback import surveys
from careloop.feedback.results import SurveyResults, text_answers
from careloop.feedback.survey_store import get_survey, save_survey, survey_as_dict
from careloop.web.deps import Ctx, SessionDep
from careloop.web.paging import Page
from careloop.web.ui.deps import CurrentStaff, OwnerStaff, StaffContext
from careloop.web.ui.templating import render

router = APIRouter()
ANSWERS_PER_PAGE: Final = 20
TEXTS_ON_RESULTS: Final = 5
MAX_YAML: Final = 50_000
STARTER: Final = """\
key: after_delivery
kind: nps            # or csat: the one-tap score the message asks first
name: After delivery
active: true
questions:
  - id: liked
    type: multiple_choice   # single_choice, multiple_choice, text, scale_1_5, scale_0_10, yes_no
    text:
      en: What did you like?
      vi: Bạn thích điều gì?
    options:
      - {id: taste, en: Taste, vi: Hương vị}
      - {id: packaging, en: Packaging, vi: Đóng gói}
  - id: better
    type: text
    text:
      en: What could we do better?
      vi: Chúng tôi có thể làm gì tốt hơn?
"""
# The same starter for a Vietnamese owner: the YAML keys are code, the comments and name are not.
STARTER_VI: Final = """\
key: sau_giao_hang
kind: nps            # hoặc csat: điểm chạm một lần mà tin nhắn hỏi trước tiên
name: Sau khi giao hàng
active: true
questions:
  - id: liked
    type: multiple_choice   # single_choice, multiple_choice, text, scale_1_5, scale_0_10, yes_no
    text:
      vi: Bạn thích điều gì?
      en: What did you like?
    options:
      - {id: taste, vi: Hương vị, en: Taste}
      - {id: packaging, vi: Đóng gói, en: Packaging}
  - id: better
    type: text
    text:
      vi: Chúng tôi có thể làm gì tốt hơn?
      en: What could we do better?
"""
STARTERS: Final = {"vi": STARTER_VI}


# --- Results as the page shows them -----------------------------------------------------------


def result_view(results: SurveyResults, lang: str) -> dict[str, Any]:
    """A survey's summary with labels in the staff member's language and bar widths."""
    questions = []
    for s in results.questions:
        q = s.question
        labels = [label for label, _ in s.counts]
        if q.type in surveys.CHOICE_TYPES:
            labels = [o.in_(lang) for o in q.options]
        elif q.type == "yes_no":
            labels = ["Có", "Không"] if lang == "vi" else ["Yes", "No"]
        top = max((n for _, n in s.counts), default=0)
        bars = [
            {
                "label": label,
                "count": n,
                "percent": round(100 * n / s.answered) if s.answered else 0,
                "width": round(100 * n / top, 1) if top else 0,
            }
            for label, (_, n) in zip(labels, s.counts, strict=True)
        ]
        questions.append(
            {
                "id": q.id,
                "type": q.type,
                "text": q.text.in_(lang),
                "answered": s.answered,
                "bars": bars,
                "mean": s.mean,
                "high": surveys.SCALE_RANGES.get(q.type, (0, 0))[1],
                "texts": s.texts[:TEXTS_ON_RESULTS],
                "more_texts": len(s.texts) > TEXTS_ON_RESULTS or s.answered > TEXTS_ON_RESULTS,
            }
        )
    return {"survey": results.survey, "responses": results.responses, "questions": questions}


# --- Editor -----------------------------------------------------------------------------------


def _line_of(text: str, path: str) -> int | None:
    """The line of `questions.1.options` (a pydantic error's location) in the YAML text, so
    the error is shown next to what the owner wrote; None when it cannot be found."""
    try:
        node: Any = yaml.compose(text)
    except yaml.YAMLError:
        return None
    line = node.start_mark.line + 1 if node is not None else None
    for part in path.split("."):
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
            if found is None:
                break
            key_node = next(k for k, v in node.value if v is found)
            node, line = found, key_node.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
            line = node.start_mark.line + 1
        else:
            break
    return line


def parse_yaml(text: str) -> dict[str, Any]:
    """The editor's text as a survey definition's data, or ValidationFailed with lines."""
    if len(text) > MAX_YAML:
        raise ValidationFailed([FieldError("survey", f"at most {MAX_YAML} characters")])
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ValidationFailed([FieldError("yaml", str(problem), line=line)]) from None
    if not isinstance(data, dict):
        raise ValidationFailed(
            [FieldError("survey", "a mapping with key, kind, name and questions", line=1)]
        )
    try:
        surveys.parse_survey(data)
    except ValidationFailed as exc:
        raise ValidationFailed(
            [FieldError(e.field, e.reason, line=_line_of(text, e.field)) for e in exc.errors]
        ) from None
    return data


def as_yaml(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def _tab(staff: StaffContext) -> dict[str, Any]:
    """What the feedback tabs need (ui.py imports this module, so its texts come lazily)."""
    from careloop.feedback.ui import TEXTS

    return {"t": TEXTS["vi" if staff.locale == "vi" else "en"], "tab": "surveys"}


def _editor(
    request: Request,
    staff: StaffContext,
    *,
    key: str | None,
    text: str,
    errors: list[FieldError] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "feedback/survey_edit.html",
        {**_tab(staff), "key": key, "text": text, "errors": errors or []},
        staff=staff,
        status_code=status_code,
    )


@router.post("/feedback/surveys/check")
def check_survey(
    request: Request, staff: OwnerStaff, text: Annotated[str, Form()] = ""
) -> Response:
    """The editor's live check (htmx, as the owner types): the same validation as saving,
    with lines, and nothing saved."""
    errors: list[FieldError] = []
    try:
        parse_yaml(text)
    except ValidationFailed as exc:
        errors = list(exc.errors)
    return render(
        request,
        "feedback/_survey_errors.html",
        {"errors": errors, "live": True},
        staff=staff,
    )


@router.get("/feedback/surveys/new")
def new_survey_page(request: Request, staff: OwnerStaff) -> Response:
    return _editor(request, staff, key=None, text=STARTERS.get(staff.locale, STARTER))


@router.get("/feedback/surveys/{key}/edit")
def edit_survey_page(
    key: str, request: Request, staff: CurrentStaff, session: SessionDep
) -> Response:
    row = get_survey(session, staff.shop.id, key)
    return _editor(request, staff, key=row.key, text=as_yaml(survey_as_dict(row)))


@router.post("/feedback/surveys")
def save_survey_page(
    request: Request,
    staff: OwnerStaff,
    session: SessionDep,
    ctx: Ctx,
    text: Annotated[str, Form()] = "",
    key: Annotated[str, Form()] = "",
) -> Response:
    try:
        row, created = save_survey(
            session=session, clock=ctx.clock, shop=staff.shop, data=parse_yaml(text)
        )
    except ValidationFailed as exc:
        return _editor(
            request, staff, key=key or None, text=text, errors=exc.errors, status_code=422
        )
    audit(
        session=session,
        clock=ctx.clock,
        shop_id=staff.shop.id,
        actor=f"staff:{staff.user.email}",
        action="survey.created" if created else "survey.updated",
        target=f"survey:{row.key}",
        detail={"questions": len(row.questions)},
        origin=request.client.host if request.client else "",
    )
    return RedirectResponse(f"/feedback?saved={row.key}#survey-{row.key}", status_code=303)


# --- Preview and text answers -----------------------------------------------------------------


@router.get("/feedback/surveys/{key}/preview")
def preview_survey(
    key: str, staff: CurrentStaff, session: SessionDep, lang: str = ""
) -> HTMLResponse:
    """The customer's page for this survey, as its link shows it, with nothing recorded."""
    from careloop.feedback.web import PAGES, TEXTS, question_fields

    row = get_survey(session, staff.shop.id, key)
    shown = lang if lang in ("en", "vi") else ("vi" if staff.shop.locale == "vi" else "en")
    low, high = surveys.SCALE_RANGES["scale_0_10" if row.kind == "nps" else "scale_1_5"]
    html = PAGES.get_template("survey.html").render(
        lang=shown,
        t=TEXTS[shown],
        shop_name=staff.shop.name,
        kind=row.kind,
        scores=range(low, high + 1),
        state="preview",
        action="",
        score=None,
        questions=question_fields(row, shown),
        problems=False,
        preview_note=_preview_note(shown),
        other_lang="en" if shown == "vi" else "vi",
    )
    return HTMLResponse(html, headers={"Cache-Control": "no-store", "X-Robots-Tag": "noindex"})


def _preview_note(lang: str) -> str:
    from careloop.web.i18n import t

    return t("feedback.preview_note", lang)


@router.get("/feedback/surveys/{key}/answers/{question_id}")
def text_answers_page(
    key: str,
    question_id: str,
    request: Request,
    staff: CurrentStaff,
    session: SessionDep,
    page: Page = 1,
) -> Response:
    row = get_survey(session, staff.shop.id, key)
    question = next((q for q in surveys.load_questions(row.questions) if q.id == question_id), None)
    if question is None:
        from careloop.core.errors import NotFound

        raise NotFound("question", question_id)
    page = max(page, 1)
    items, total = text_answers(session, row, question_id, page=page, per_page=ANSWERS_PER_PAGE)
    return render(
        request,
        "feedback/survey_answers.html",
        {
            **_tab(staff),
            "survey": row,
            "question": question.text.in_(staff.locale),
            "items": items,
            "total": total,
            "page": page,
            "pages": max(1, ceil(total / ANSWERS_PER_PAGE)),
            "base_url": f"/feedback/surveys/{row.key}/answers/{question.id}?",
        },
        staff=staff,
    )
