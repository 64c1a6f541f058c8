"""The reports page: the monthly after-sales review for a chosen month, embedded in the
staff layout, and the same review as a standalone printable document."""

from __future__ import annotations

from html import escape
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, BackgroundTasks, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from careloop.core.errors import FieldError, ValidationFailed
from careloop.metrics.cohorts import month_index, month_label
from careloop.metrics.figures import review_key
from careloop.metrics.periods import month_period
from careloop.metrics.report import document_from_body, render_review
from careloop.metrics.snapshots import compute_for, refresh_quietly, request_refresh
from careloop.metrics.web import page_figures
from careloop.web.deps import Ctx, SessionDep
from careloop.web.i18n import t
from careloop.web.ui.deps import CurrentStaff, OwnerStaff
from careloop.web.ui.format import format_month_label
from careloop.web.ui.templating import render

router = APIRouter()


MONTHS_OFFERED = 12


def _default_month(ctx: Ctx, tz: ZoneInfo) -> str:
    """The last complete month: the review is read at the start of the next one."""
    return month_label(month_index(ctx.clock.now(), tz) - 1)


def _review_html(payload: dict[str, Any], locale: str) -> str:
    """The review for this reader (a snapshot stored before the figures were kept in no
    language has its HTML; it is replaced at its next refresh)."""
    if "review" in payload:
        return render_review(payload["review"], locale)
    return str(payload.get("html", ""))


def _bad_month(chosen: str, locale: str) -> str:
    return t("reports.bad_month", locale, value=repr(chosen[:20]))


def _checked_month(month: str) -> str:
    month = month.strip()
    if len(month) != 7 or month[4] != "-":
        raise ValidationFailed([])
    return month


@router.get("/reports", response_class=HTMLResponse)
def reports_page(
    request: Request,
    staff: CurrentStaff,
    session: SessionDep,
    ctx: Ctx,
    background: BackgroundTasks,
    month: str = "",
) -> HTMLResponse:
    tz = ZoneInfo(staff.shop.timezone)
    current = month_index(ctx.clock.now(), tz)
    months = [month_label(current - k) for k in range(MONTHS_OFFERED)]
    chosen = month.strip() or _default_month(ctx, tz)
    # An older month asked for by address stays chosen (shown as asked when it is no month).
    offered = [(m, format_month_label(m, staff.locale)) for m in [chosen, *months]]
    offered = offered[1:] if chosen in months else offered
    error = ""
    body = ""
    computed_at = None
    refreshing = False
    try:
        month_period(staff.shop, _checked_month(chosen))
        # A stored snapshot: the review reads every order, seconds of work on a busy shop.
        review = page_figures(
            background=background,
            session=session,
            ctx=ctx,
            shop=staff.shop,
            key=review_key(chosen),
        )
        body = _review_html(review.payload, staff.locale)
        computed_at, refreshing = review.as_of, review.refreshing
    except ValidationFailed:
        error = _bad_month(chosen, staff.locale)
    return render(
        request,
        "reports/page.html",
        {
            "months": offered,
            "month": chosen,
            "body": body,
            "error": error,
            "computed_at": computed_at,
            "refreshing": refreshing,
            "figures_key": review_key(chosen),
        },
        staff=staff,
        status_code=422 if error else 200,
    )


@router.get("/reports/print")
def report_print(
    staff: CurrentStaff,
    session: SessionDep,
    ctx: Ctx,
    background: BackgroundTasks,
    month: str = "",
) -> Response:
    """A self-contained document (inline CSS and SVG, no scripts) to print or save."""
    chosen = month.strip() or _default_month(ctx, ZoneInfo(staff.shop.timezone))
    try:
        month_period(staff.shop, _checked_month(chosen))
    except ValidationFailed:
        return HTMLResponse(escape(_bad_month(chosen, staff.locale)), status_code=422)
    review = page_figures(
        background=background, session=session, ctx=ctx, shop=staff.shop, key=review_key(chosen)
    )
    body = _review_html(review.payload, staff.locale)
    html = document_from_body(staff.shop, chosen, body, staff.locale)
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


def _local_path(target: str) -> str:
    """Only a path on this site to go back to (no open redirect)."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


@router.post("/figures/refresh")
def refresh_figures(
    staff: OwnerStaff,
    session: SessionDep,
    ctx: Ctx,
    background: BackgroundTasks,
    key: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """The owner's "refresh now": the figures are recomputed right after this response
    (and by the worker, whichever comes first); the page then shows the new ones."""
    try:
        compute_for(key)
    except KeyError:
        raise ValidationFailed([FieldError("key", f"no figures named {key!r}")]) from None
    request_refresh(session=session, clock=ctx.clock, shop=staff.shop, key=key)
    background.add_task(refresh_quietly, ctx.sessions, ctx.clock, staff.shop.id, key)
    return RedirectResponse(_local_path(next), status_code=303)
