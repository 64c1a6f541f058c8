"""The overview dashboard: KPI tiles against their targets, the charts (revenue from new vs
returning customers, retention cohorts, NPS trend, message funnel, SLA compliance), the
shop's counts and recent activity."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import HTMLResponse

from careloop.metrics.figures import OVERVIEW
from careloop.metrics.web import page_figures
from careloop.web.deps import Ctx, SessionDep
from careloop.web.i18n import t
from careloop.web.ui.attention import attention_lines
from careloop.web.ui.dashboard import FUNNEL_STAGES, overview_view
from careloop.web.ui.deps import CurrentStaff, StaffContext
from careloop.web.ui.format import format_money_local, format_number
from careloop.web.ui.onboarding import checklist
from careloop.web.ui.queries import recent_events
from careloop.web.ui.templating import render

router = APIRouter()


def _checklist(session: SessionDep, staff: StaffContext) -> dict[str, object]:
    """The first-day checklist on top of the overview, for the owner, until it is done."""
    if not staff.can("owner"):
        return {"checklist_steps": []}
    steps = checklist(session, staff.shop)
    done = sum(s.done for s in steps)
    return {"checklist_steps": steps if done < len(steps) else [], "checklist_done": done}


def _stats(counts: dict[str, int], currency: str, locale: str) -> dict[str, str]:
    """The shop's counts in the reader's conventions: '14.350.000 ₫' / '₫14,350,000'."""
    return {
        "customers": format_number(counts["customers"], locale),
        "orders": format_number(counts["orders"], locale),
        "revenue": format_money_local(counts["revenue_minor"], currency, locale),
    }


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request,
    staff: CurrentStaff,
    session: SessionDep,
    ctx: Ctx,
    background: BackgroundTasks,
) -> HTMLResponse:
    words = {
        "new": t("dash.new", staff.locale),
        "returning": t("dash.returning", staff.locale),
        "messages": t("dash.messages", staff.locale),
        "retention": t("dash.retention", staff.locale),
        **{s: t(f"dash.stage.{s}", staff.locale) for s in FUNNEL_STAGES},
    }
    shop = staff.shop
    # A stored snapshot: the figures read every order, seconds of work on a busy shop.
    figures = page_figures(background=background, session=session, ctx=ctx, shop=shop, key=OVERVIEW)
    view = overview_view(figures.payload, words, staff.locale)
    return render(
        request,
        "home.html",
        {
            **view,
            "stats": _stats(view["counts"], shop.currency, staff.locale),
            "computed_at": figures.as_of,
            "refreshing": figures.refreshing,
            "figures_key": OVERVIEW,
            "recent": recent_events(session, shop, limit=15),
            **_checklist(session, staff),
            "attention": attention_lines(session, shop, ctx.clock.now(), staff.locale),
        },
        staff=staff,
    )
