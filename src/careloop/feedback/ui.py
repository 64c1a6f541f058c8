"""Feedback pages: survey results, the review inbox with reply deadlines, and themes."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop.audit.service import audit
from careloop.context import AppContext
from careloop.core.catalogue import catalogue_texts
from careloop.core.errors import FieldError, ValidationFailed
from careloop.customers.models import Customer
from careloop.feedback import review_settings, rules, survey_form_ui, survey_ui
from careloop.feedback.models import Review, SurveyResponse
from careloop.feedback.results import survey_results
from careloop.feedback.service import respond_to_review, suggested_reply
from careloop.feedback.survey_store import list_surveys
from careloop.metrics.figures import FEEDBACK_THEMES
from careloop.metrics.web import page_figures
from careloop.web.deps import Ctx, SessionDep
from careloop.web.ui.deps import AgentStaff, CurrentStaff, OwnerStaff, StaffContext
from careloop.web.ui.templating import render

router = APIRouter()
# The survey editor, preview and text answers live in their own module, under /feedback.
router.include_router(survey_form_ui.router)  # before survey_ui: /surveys/build
router.include_router(survey_ui.router)
PERIOD = timedelta(days=90)

TEXTS = catalogue_texts("feedback.ui.texts")


def _texts(locale: str) -> dict[str, str]:
    return TEXTS["vi" if locale == "vi" else "en"]


def _scores(session: SessionDep, shop_id: int, kind: str, since: Any) -> list[int]:
    return list(
        session.scalars(
            select(SurveyResponse.score).where(
                SurveyResponse.shop_id == shop_id,
                SurveyResponse.kind == kind,
                SurveyResponse.answered_at >= since,
            )
        )
    )


def nps(scores: list[int]) -> int | None:
    """% promoters (9-10) minus % detractors (0-6), as DESIGN.md defines it."""
    if not scores:
        return None
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return round(100 * (promoters - detractors) / len(scores))


def csat(scores: list[int]) -> int | None:
    """% of 1-5 ratings that are 4 or 5."""
    return round(100 * sum(1 for s in scores if s >= 4) / len(scores)) if scores else None


@router.get("/feedback")
def surveys_page(
    request: Request, staff: CurrentStaff, session: SessionDep, ctx: Ctx, saved: str = ""
) -> Response:
    since = ctx.clock.now() - PERIOD
    nps_scores = _scores(session, staff.shop.id, "nps", since)
    csat_scores = _scores(session, staff.shop.id, "csat", since)
    recent = session.execute(
        select(SurveyResponse, Customer)
        .join(Customer, Customer.id == SurveyResponse.customer_id)
        .where(SurveyResponse.shop_id == staff.shop.id)
        .order_by(SurveyResponse.answered_at.desc(), SurveyResponse.id.desc())
        .limit(50)
    ).all()
    return render(
        request,
        "feedback/surveys.html",
        {
            "t": _texts(staff.locale),
            "tab": "surveys",
            "nps": nps(nps_scores),
            "nps_n": len(nps_scores),
            "csat": csat(csat_scores),
            "csat_n": len(csat_scores),
            "distribution": [nps_scores.count(n) for n in range(11)],
            "recent": recent,
            "thresholds": rules.Thresholds.from_settings(staff.shop.settings or {}),
            "nps_target": _nps_target(staff.shop.settings),
            "results": [
                survey_ui.result_view(survey_results(session, row, since), staff.locale)
                for row in list_surveys(session, staff.shop.id)
            ],
            "saved": saved,
        },
        staff=staff,
    )


def _nps_target(settings: dict[str, Any] | None) -> str:
    """The shop's NPS target as shown next to its NPS: "50+" unless the owner changed it."""
    from careloop.metrics.definitions import targets_for

    target = targets_for(settings)["nps"]
    if target is None:
        return "-"
    return f"{target.value:g}+" if target.direction == "at_least" else f"<= {target.value:g}"


@router.get("/feedback/reviews")
def reviews_page(request: Request, staff: CurrentStaff, session: SessionDep, ctx: Ctx) -> Response:
    return _reviews(request, staff, session, ctx)


def _reviews(
    request: Request,
    staff: StaffContext,
    session: Session,
    ctx: AppContext,
    settings_errors: list[FieldError] | None = None,
    status_code: int = 200,
) -> Response:
    # Unanswered negative reviews first, by deadline; then everything else, newest first.
    rows = session.execute(
        select(Review, Customer)
        .outerjoin(Customer, Customer.id == Review.customer_id)
        .where(Review.shop_id == staff.shop.id)
        .order_by(
            (Review.respond_by.is_(None) | Review.responded_at.is_not(None)),
            Review.respond_by,
            Review.posted_at.desc(),
        )
        .limit(100)
    ).all()
    summary = session.execute(
        select(func.count(), func.avg(Review.rating)).where(Review.shop_id == staff.shop.id)
    ).one()
    items = [
        {
            "review": review,
            "customer": customer,
            "suggestion": suggested_reply(staff.shop, review, customer),
            "overdue": review.respond_by is not None
            and review.responded_at is None
            and review.respond_by < ctx.clock.now(),
        }
        for review, customer in rows
    ]
    return render(
        request,
        "feedback/reviews.html",
        {
            "t": _texts(staff.locale),
            "tab": "reviews",
            "items": items,
            "count": summary[0],
            "average": round(float(summary[1]), 2) if summary[1] is not None else None,
            "review_settings": rules.ReviewSettings.of(staff.shop.settings or {}),
            "modes": rules.REVIEW_MODES,
            "settings_errors": {e.field: e.reason for e in settings_errors or []},
            "settings_saved": request.query_params.get("saved") == "settings",
        },
        staff=staff,
        status_code=status_code,
    )


@router.post("/feedback/reviews/settings")
def save_review_settings(
    request: Request,
    staff: OwnerStaff,
    session: SessionDep,
    ctx: Ctx,
    mode: Annotated[str, Form()] = "",
    product_review_url: Annotated[str, Form()] = "",
) -> Response:
    """The owner's review settings; a wrong value is shown next to its field, nothing saved."""
    try:
        review_settings.set_review_settings(
            session=session,
            clock=ctx.clock,
            shop=staff.shop,
            changes={"review_requests": mode.strip(), "product_review_url": product_review_url},
            actor=f"staff:{staff.user.email}",
            origin=request.client.host if request.client else "",
        )
    except ValidationFailed as exc:
        return _reviews(request, staff, session, ctx, exc.errors, status_code=422)
    return RedirectResponse("/feedback/reviews?saved=settings", status_code=303)


@router.post("/feedback/reviews/{review_id}/response")
def record_reply(
    review_id: str,
    request: Request,
    staff: AgentStaff,
    session: SessionDep,
    ctx: Ctx,
    text: Annotated[str, Form()] = "",
) -> Response:
    try:
        respond_to_review(
            session=session,
            clock=ctx.clock,
            shop=staff.shop,
            review_id=review_id,
            text=text,
            staff_id=staff.user.id,
        )
    except ValidationFailed:
        return RedirectResponse("/feedback/reviews?error=empty", status_code=303)
    audit(
        session=session,
        clock=ctx.clock,
        shop_id=staff.shop.id,
        actor=f"staff:{staff.user.email}",
        action="review.responded",
        target=f"review:{review_id}",
        origin=request.client.host if request.client else "",
    )
    return RedirectResponse("/feedback/reviews", status_code=303)


@router.get("/feedback/themes")
def themes_page(
    request: Request,
    staff: CurrentStaff,
    session: SessionDep,
    ctx: Ctx,
    background: BackgroundTasks,
) -> Response:
    # A year of comments, reviews and tickets matched on every view is slow for a busy
    # shop: the page shows the shop's stored snapshot (metrics/snapshots.py), refreshed in
    # the background when new feedback came in, and says when it was computed.
    figures = page_figures(
        background=background, session=session, ctx=ctx, shop=staff.shop, key=FEEDBACK_THEMES
    )
    return render(
        request,
        "feedback/themes.html",
        {
            "t": _texts(staff.locale),
            "tab": "themes",
            "themes": figures.payload["themes"],
            "computed_at": figures.as_of,
            "figures_key": FEEDBACK_THEMES,
            "refreshing": figures.refreshing,
        },
        staff=staff,
    )
