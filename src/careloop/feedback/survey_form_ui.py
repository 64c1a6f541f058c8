"""The survey builder: owners make and change surveys with a form, no YAML.

The YAML editor (survey_ui.py) stays for power users; both save through the same store and
the same check. "Add a question" posts the form back with one more empty block, so the page
works without JavaScript and nothing typed is lost.
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from careloop.audit.service import audit
from careloop.core.errors import FieldError, NotFound, ValidationFailed
from careloop.feedback import survey_form
from careloop.feedback.survey_store import get_survey, save_survey, survey_as_dict
from careloop.web.deps import Ctx, SessionDep
from careloop.web.ui.deps import OwnerStaff, StaffContext
from careloop.web.ui.templating import render

router = APIRouter()
EMPTY_BLOCKS_ON_NEW: Final = 2


def _page(
    request: Request,
    staff: StaffContext,
    fields: survey_form.SurveyFields,
    *,
    existing: str | None,
    errors: list[FieldError] | None = None,
    status_code: int = 200,
) -> Response:
    from careloop.feedback.survey_ui import _tab

    return render(
        request,
        "feedback/survey_form.html",
        {
            **_tab(staff),
            "fields": fields,
            "existing": existing,
            "types": survey_form.question_types(staff.locale),
            "errors": errors or [],
        },
        staff=staff,
        status_code=status_code,
    )


@router.get("/feedback/surveys/build")
def new_survey_form(request: Request, staff: OwnerStaff) -> Response:
    fields = survey_form.SurveyFields(
        questions=[survey_form.blank_question() for _ in range(EMPTY_BLOCKS_ON_NEW)]
    )
    return _page(request, staff, fields, existing=None)


@router.get("/feedback/surveys/{key}/build")
def edit_survey_form(
    key: str, request: Request, staff: OwnerStaff, session: SessionDep
) -> Response:
    row = get_survey(session, staff.shop.id, key)
    fields = survey_form.fields_from_data(survey_as_dict(row))
    fields.questions.append(survey_form.blank_question())
    return _page(request, staff, fields, existing=row.key)


@router.post("/feedback/surveys/build")
async def save_survey_form(
    request: Request, staff: OwnerStaff, session: SessionDep, ctx: Ctx
) -> Response:
    form = await request.form()
    posted: dict[str, Any] = {name: form.get(name) for name in form}
    fields = survey_form.fields_from_form(posted)
    existing = str(posted.get("existing") or "") or None
    if existing:
        fields.key = existing
    if posted.get("action") == "add":
        fields.questions.append(survey_form.blank_question())
        return _page(request, staff, fields, existing=existing)
    previous = None
    if existing:
        try:
            previous = survey_as_dict(get_survey(session, staff.shop.id, existing))
        except NotFound:
            previous = None
    try:
        data = survey_form.definition_from_fields(fields, staff.locale, previous=previous)
        row, created = save_survey(session=session, clock=ctx.clock, shop=staff.shop, data=data)
    except ValidationFailed as exc:
        return _page(
            request, staff, fields, existing=existing, errors=list(exc.errors), status_code=422
        )
    audit(
        session=session,
        clock=ctx.clock,
        shop_id=staff.shop.id,
        actor=f"staff:{staff.user.email}",
        action="survey.created" if created else "survey.updated",
        target=f"survey:{row.key}",
        detail={"questions": len(row.questions), "with": "form"},
        origin=request.client.host if request.client else "",
    )
    return RedirectResponse(f"/feedback?saved={row.key}#survey-{row.key}", status_code=303)
