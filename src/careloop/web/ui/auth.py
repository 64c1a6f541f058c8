"""Sign in, sign out, switch shop, choose the UI language."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from careloop.shops.accounts import (
    drop_expired_sessions,
    end_all_sessions,
    session_user_id,
    start_session,
)
from careloop.shops.models import StaffUser
from careloop.shops.service import authenticate_staff
from careloop.web.deps import Ctx, SessionDep
from careloop.web.i18n import normalise_locale
from careloop.web.security import (
    LoginRateLimiter,
    client_address,
    rotate_csrf_token,
    safe_next_path,
)
from careloop.web.ui.deps import (
    SESSION_LOCALE,
    SESSION_SHOP,
    SESSION_TOKEN,
    SESSION_USER,
    CurrentStaff,
    session_limits,
)
from careloop.web.ui.shop_setup import install_is_empty
from careloop.web.ui.templating import is_htmx, render

router = APIRouter()


def login_limiter(request: Request) -> LoginRateLimiter:
    """The app's limiter, made on first use so every app instance has its own."""
    limiter = getattr(request.app.state, "login_limiter", None)
    if limiter is None:
        limiter = request.app.state.login_limiter = LoginRateLimiter()
    return limiter


def _client_ip(request: Request, ctx: Ctx) -> str:
    return client_address(request, ctx.settings.trusted_proxies)


@router.get("/login")
def login_form(
    request: Request,
    ctx: Ctx,
    session: SessionDep,
    next: str = "/",
    bye: str = "",
    lang: str = "",
    reset: str = "",
) -> Response:
    if lang:
        request.session[SESSION_LOCALE] = normalise_locale(lang)
    if install_is_empty(session):
        return RedirectResponse("/setup", status_code=303)  # nobody to sign in yet
    token = request.session.get(SESSION_TOKEN)
    if session_user_id(session, ctx.clock, token, session_limits(ctx)) is not None:
        return RedirectResponse(safe_next_path(next), status_code=303)
    notice = "login.logged_out" if bye else ("reset.done" if reset else None)
    return render(
        request, "login.html", {"next": safe_next_path(next), "notice": notice}, staff=None
    )


@router.post("/login")
def login(
    request: Request,
    ctx: Ctx,
    session: SessionDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    limiter, ip, now = login_limiter(request), _client_ip(request, ctx), ctx.clock.now()
    form = {"next": safe_next_path(next), "email": email}
    wait = limiter.retry_after(ip, email, now)
    if wait is not None:
        minutes = max(1, math.ceil(wait.total_seconds() / 60))
        return render(
            request,
            "login.html",
            {**form, "error": "login.rate_limited", "error_params": {"minutes": minutes}},
            staff=None,
            status_code=429,
            headers={"Retry-After": str(max(1, math.ceil(wait.total_seconds())))},
        )
    result = authenticate_staff(session, email, password) if email and password else None
    if result is not None and result.rehash is not None:
        result.user.password_hash = result.rehash
    if result is None:
        limiter.record_failure(ip, email, now)
        return render(
            request, "login.html", {**form, "error": "login.failed"}, staff=None, status_code=401
        )
    if not result.memberships:
        return render(
            request, "login.html", {**form, "error": "login.no_shop"}, staff=None, status_code=403
        )
    limiter.record_success(ip, email)
    # A fresh session: nothing chosen before signing in (or planted by someone) carries over.
    request.session.clear()
    drop_expired_sessions(session, ctx.clock, result.user.id, session_limits(ctx))
    request.session[SESSION_TOKEN] = start_session(session, ctx.clock, result.user.id)
    request.session[SESSION_USER] = result.user.id
    request.session[SESSION_SHOP] = result.memberships[0][0].id
    request.session[SESSION_LOCALE] = normalise_locale(result.user.locale)
    rotate_csrf_token(request)
    return RedirectResponse(safe_next_path(next), status_code=303)


@router.post("/logout")
def logout(request: Request, ctx: Ctx, session: SessionDep) -> Response:
    """Sign out every browser of this account: a copy of the cookie is worthless after."""
    user_id = session_user_id(
        session, ctx.clock, request.session.get(SESSION_TOKEN), session_limits(ctx)
    )
    if user_id is not None:
        end_all_sessions(session, user_id)
    request.session.clear()
    return _go(request, "/login?bye=1")


@router.post("/switch-shop")
def switch_shop(
    request: Request,
    staff: CurrentStaff,
    shop_id: Annotated[int, Form()],
) -> Response:
    if any(shop.id == shop_id for shop, _role in staff.shops):
        request.session[SESSION_SHOP] = shop_id
    # Back to the overview: the page we were on may be a record of the other shop.
    return _go(request, "/")


@router.post("/locale")
def choose_locale(
    request: Request,
    staff: CurrentStaff,
    session: SessionDep,
    locale: Annotated[str, Form(max_length=10)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    chosen = normalise_locale(locale)
    request.session[SESSION_LOCALE] = chosen
    # Remembered for the next sign-in too.
    user = session.get(StaffUser, staff.user.id)
    if user is not None:
        user.locale = chosen
    return _go(request, safe_next_path(next))


def _go(request: Request, target: str) -> Response:
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)
