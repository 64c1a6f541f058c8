"""The overview page: counts and recent activity (the dashboard issue replaces it)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from careloop.web.deps import SessionDep
from careloop.web.ui.deps import CurrentStaff
from careloop.web.ui.nav import register_nav
from careloop.web.ui.queries import recent_events, shop_counts
from careloop.web.ui.templating import render

router = APIRouter()
register_nav("home", "Overview", "Tổng quan", "/", min_role="viewer", order=0)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, staff: CurrentStaff, session: SessionDep) -> HTMLResponse:
    return render(
        request,
        "home.html",
        {
            "counts": shop_counts(session, staff.shop),
            "recent": recent_events(session, staff.shop, limit=15),
        },
        staff=staff,
    )
