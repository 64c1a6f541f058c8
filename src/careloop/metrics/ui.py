"""The reports page: the monthly after-sales review for a chosen month, embedded in the
staff layout, and the same review as a standalone printable document."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from careloop.context import AppContext
from careloop.core.errors import ValidationFailed
from careloop.metrics.cache import Cached, cached, shop_fingerprint
from careloop.metrics.cohorts import month_index, month_label
from careloop.metrics.periods import month_period
from careloop.metrics.report import review_body, review_document
from careloop.shops.models import Shop
from careloop.web.deps import Ctx, SessionDep
from careloop.web.i18n import register_messages
from careloop.web.ui.deps import CurrentStaff
from careloop.web.ui.nav import register_nav
from careloop.web.ui.templating import render

router = APIRouter()
register_nav("reports", "Reports", "Báo cáo", "/reports", min_role="viewer", order=70)

register_messages(
    {
        "reports.title": {"en": "Monthly review", "vi": "Báo cáo tháng"},
        "reports.subtitle": {
            "en": "KPIs against last month and targets, retention, complaints, journeys.",
            "vi": "Chỉ số so với tháng trước và mục tiêu, giữ chân, khiếu nại, hành trình.",
        },
        "reports.month": {"en": "Month", "vi": "Tháng"},
        "reports.show": {"en": "Show", "vi": "Xem"},
        "reports.print": {"en": "Printable version", "vi": "Bản để in"},
        "reports.computed_at": {"en": "Computed at {at}", "vi": "Tính lúc {at}"},
    }
)

MONTHS_OFFERED = 12


def _default_month(ctx: Ctx, tz: ZoneInfo) -> str:
    """The last complete month: the review is read at the start of the next one."""
    return month_label(month_index(ctx.clock.now(), tz) - 1)


def _checked_month(month: str) -> str:
    month = month.strip()
    if len(month) != 7 or month[4] != "-":
        raise ValidationFailed([])
    return month


def _review(session: Session, ctx: AppContext, shop: Shop, month: str) -> Cached[str]:
    """The review of `month`, reused while nothing new was recorded (it reads every order)."""
    return cached(
        session=session,
        clock=ctx.clock,
        shop_id=shop.id,
        key=("review", month, shop_fingerprint(shop)),
        compute=lambda: review_body(session=session, shop=shop, month=month),
    )


@router.get("/reports", response_class=HTMLResponse)
def reports_page(
    request: Request, staff: CurrentStaff, session: SessionDep, ctx: Ctx, month: str = ""
) -> HTMLResponse:
    tz = ZoneInfo(staff.shop.timezone)
    current = month_index(ctx.clock.now(), tz)
    months = [month_label(current - k) for k in range(MONTHS_OFFERED)]
    chosen = month.strip() or _default_month(ctx, tz)
    error = ""
    body = ""
    computed_at = None
    try:
        month_period(staff.shop, _checked_month(chosen))
        review = _review(session, ctx, staff.shop, chosen)
        body, computed_at = review.value, review.computed_at
    except ValidationFailed:
        error = f"month: not a YYYY-MM month: {chosen!r}"
    return render(
        request,
        "reports/page.html",
        {
            "months": months,
            "month": chosen,
            "body": body,
            "error": error,
            "computed_at": computed_at,
        },
        staff=staff,
        status_code=422 if error else 200,
    )


@router.get("/reports/print")
def report_print(staff: CurrentStaff, session: SessionDep, ctx: Ctx, month: str = "") -> Response:
    """A self-contained document (inline CSS and SVG, no scripts) to print or save."""
    chosen = month.strip() or _default_month(ctx, ZoneInfo(staff.shop.timezone))
    try:
        month_period(staff.shop, _checked_month(chosen))
    except ValidationFailed:
        return HTMLResponse(f"month: not a YYYY-MM month: {chosen!r}"[:80], status_code=422)
    shop = staff.shop
    html = cached(
        session=session,
        clock=ctx.clock,
        shop_id=shop.id,
        key=("review-document", chosen, shop_fingerprint(shop)),
        compute=lambda: review_document(session=session, shop=shop, month=chosen),
    ).value
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})
