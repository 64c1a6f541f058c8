"""The signed-in person's own account: change the password, answer invitations to other
shops; and, signed out, reset a forgotten password through an emailed link.

Every way the password changes ends every session of the account (careloop.shops.accounts);
after a change in the UI the browser that made it gets a fresh session, so only it stays
signed in."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from careloop.alerts.preferences import PreferenceError, alert_preference
from careloop.alerts.service import route
from careloop.audit.service import audit
from careloop.channels.models import ChannelSettings
from careloop.core.errors import NotFound, ValidationFailed
from careloop.core.settings import Settings
from careloop.shops.accounts import (
    answer_invitation,
    change_password,
    pending_invitations,
    reset_token,
    set_password,
    start_session,
    user_for_reset_token,
)
from careloop.shops.models import StaffUser
from careloop.shops.system_mail import (
    SystemMailUnavailable,
    send_system_mail,
    system_mail_configured,
)
from careloop.web.deps import Ctx, SessionDep
from careloop.web.i18n import t
from careloop.web.security import FailureLimiter, RateLimit, client_address
from careloop.web.ui.deps import SESSION_SHOP, SESSION_TOKEN, CurrentStaff
from careloop.web.ui.templating import render

log = logging.getLogger(__name__)
router = APIRouter()

# Reset mails per address and per client: enough for a person, useless for mail-bombing.
RESET_MAILS = RateLimit(max_failures=3, window=timedelta(hours=1))


def mail_invitation(settings: Settings, to: str, locale: str, shop_name: str, role: str) -> None:
    """Tell an invited person, through the instance's mail server if it has one."""
    if not system_mail_configured(settings):
        return
    lang = locale if locale in ("en", "vi") else "en"
    link = f"{settings.base_url.rstrip('/')}/account"
    body = t("invite.mail_body", lang, shop=shop_name, role=t(f"role.{role}", lang), link=link)
    try:
        send_system_mail(settings, to, t("invite.mail_subject", lang, shop=shop_name), body)
    except SystemMailUnavailable as exc:
        log.warning("invitation mail not sent: %s", exc)


def _alert_fallback(session: Any, shop_id: int, user: StaffUser | None) -> str:
    """The channel this person chose when the shop cannot send alerts on it ("" if it can)."""
    if user is None or not user.alert_channel:
        return ""
    rows = {
        row.channel: row
        for row in session.scalars(
            select(ChannelSettings).where(ChannelSettings.shop_id == shop_id)
        )
    }
    note = route(user, rows)[2]
    return {"sms": "SMS", "zalo": "Zalo"}.get(user.alert_channel, "") if note else ""


def _account_page(
    request: Request,
    staff: Any,
    session: Any,
    *,
    errors: dict[str, str] | None = None,
    notice: str = "",
    notice_params: dict[str, str] | None = None,
) -> HTMLResponse:
    return render(
        request,
        "account.html",
        {
            "invitations": pending_invitations(session, staff.user.id),
            "me": (me := session.get(StaffUser, staff.user.id)),
            "alert_fallback": _alert_fallback(session, staff.shop.id, me),
            "errors": errors or {},
            "notice": notice,
            "notice_params": notice_params or {},
        },
        staff=staff,
        status_code=422 if errors else 200,
    )


@router.get("/account", response_class=HTMLResponse)
def account_page(
    request: Request, staff: CurrentStaff, session: SessionDep, done: str = ""
) -> HTMLResponse:
    notice = {
        "password": "account.changed",
        "declined": "account.declined",
        "alerts": "account.alerts_saved",
    }.get(done, "")
    return _account_page(request, staff, session, notice=notice)


@router.post("/account/password")
def change_own_password(
    request: Request,
    staff: CurrentStaff,
    session: SessionDep,
    ctx: Ctx,
    current_password: Annotated[str, Form(max_length=1024)] = "",
    new_password: Annotated[str, Form(max_length=1024)] = "",
    confirm_password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    user = session.get(StaffUser, staff.user.id)
    assert user is not None
    if new_password != confirm_password:
        errors = {"confirm_password": t("account.mismatch", staff.locale)}
        return _account_page(request, staff, session, errors=errors)
    try:
        change_password(session, user, current_password, new_password)
    except ValidationFailed as exc:
        errors = {e.field: e.reason for e in exc.errors}
        return _account_page(request, staff, session, errors=errors)
    # Every session ended, this one too; this browser continues on a fresh one.
    request.session[SESSION_TOKEN] = start_session(session, ctx.clock, user.id)
    audit(
        session=session,
        clock=ctx.clock,
        shop_id=staff.shop.id,
        actor=f"staff:{user.email}",
        action="staff.password_changed",
        target=f"user:{user.id}",
        detail={},
        origin=client_address(request, ctx.settings.trusted_proxies),
    )
    return RedirectResponse("/account?done=password", status_code=303)


@router.post("/account/alerts")
def save_alert_channel(
    request: Request,
    staff: CurrentStaff,
    session: SessionDep,
    ctx: Ctx,
    alert_channel: Annotated[str, Form(max_length=16)] = "email",
    alert_phone: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """The signed-in person chooses where their own staff alerts reach them."""
    user = session.get(StaffUser, staff.user.id)
    assert user is not None
    try:
        user.alert_channel, user.alert_phone = alert_preference(alert_channel, alert_phone)
    except PreferenceError as exc:
        errors = {exc.field: t(exc.key, staff.locale)}
        return _account_page(request, staff, session, errors=errors)
    audit(
        session=session,
        clock=ctx.clock,
        shop_id=staff.shop.id,
        actor=f"staff:{user.email}",
        action="staff.alert_channel_changed",
        target=f"user:{user.id}",
        detail={"channel": user.alert_channel or "email"},
        origin=client_address(request, ctx.settings.trusted_proxies),
    )
    return RedirectResponse("/account?done=alerts", status_code=303)


@router.post("/account/invitations/{invitation_id}/{answer}")
def answer(
    request: Request,
    staff: CurrentStaff,
    session: SessionDep,
    ctx: Ctx,
    invitation_id: int,
    answer: str,
) -> Response:
    if answer not in ("accept", "decline"):
        raise NotFound("invitation answer", answer)
    shop = answer_invitation(session, ctx.clock, staff.user.id, invitation_id, answer == "accept")
    audit(
        session=session,
        clock=ctx.clock,
        shop_id=shop.id,
        actor=f"staff:{staff.user.email}",
        action={"accept": "staff.invitation_accepted", "decline": "staff.invitation_declined"}[
            answer
        ],
        target=f"user:{staff.user.id}",
        detail={},
        origin=client_address(request, ctx.settings.trusted_proxies),
    )
    if answer == "accept":
        request.session[SESSION_SHOP] = shop.id
        return RedirectResponse("/", status_code=303)
    return RedirectResponse("/account?done=declined", status_code=303)


# --- Forgotten password (signed out) ----------------------------------------------------


def _reset_limiter(request: Request) -> FailureLimiter:
    limiter = getattr(request.app.state, "reset_limiter", None)
    if limiter is None:
        limiter = request.app.state.reset_limiter = FailureLimiter(RESET_MAILS)
    return limiter


@router.get("/password/forgot", response_class=HTMLResponse)
def forgot_form(request: Request, ctx: Ctx) -> HTMLResponse:
    notice = "" if system_mail_configured(ctx.settings) else "reset.unavailable"
    return render(request, "password_forgot.html", {"notice": notice}, staff=None)


@router.post("/password/forgot", response_class=HTMLResponse)
def forgot(
    request: Request,
    ctx: Ctx,
    session: SessionDep,
    email: Annotated[str, Form(max_length=254)] = "",
) -> HTMLResponse:
    """The same answer whether or not the email has an account (no account discovery)."""
    if not system_mail_configured(ctx.settings):
        return render(request, "password_forgot.html", {"notice": "reset.unavailable"}, staff=None)
    limiter, now = _reset_limiter(request), ctx.clock.now()
    address = email.strip().lower()
    client = client_address(request, ctx.settings.trusted_proxies)
    keys = (f"email|{address}", f"ip|{client}")
    if any(limiter.retry_after(key, now) is not None for key in keys):
        return render(
            request,
            "password_forgot.html",
            {"error": "reset.too_many"},
            staff=None,
            status_code=429,
        )
    for key in keys:
        limiter.record_failure(key, now)
    user = session.scalar(select(StaffUser).where(StaffUser.email == address))
    if user is not None:
        locale = user.locale if user.locale in ("en", "vi") else "en"
        link = (
            f"{ctx.settings.base_url.rstrip('/')}/password/reset?token="
            f"{reset_token(ctx.secret_key, ctx.clock, user)}"
        )
        try:
            send_system_mail(
                ctx.settings,
                user.email,
                t("reset.mail_subject", locale),
                t("reset.mail_body", locale, link=link),
            )
        except SystemMailUnavailable as exc:
            log.warning("password reset mail not sent: %s", exc)
    return render(request, "password_forgot.html", {"notice": "reset.sent"}, staff=None)


@router.get("/password/reset", response_class=HTMLResponse)
def reset_form(request: Request, ctx: Ctx, session: SessionDep, token: str = "") -> HTMLResponse:
    if user_for_reset_token(session, ctx.secret_key, ctx.clock, token) is None:
        return render(
            request, "password_reset.html", {"invalid": True}, staff=None, status_code=400
        )
    return render(request, "password_reset.html", {"token": token}, staff=None)


@router.post("/password/reset", response_class=HTMLResponse)
def reset(
    request: Request,
    ctx: Ctx,
    session: SessionDep,
    token: Annotated[str, Form(max_length=2000)] = "",
    new_password: Annotated[str, Form(max_length=1024)] = "",
    confirm_password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    user = user_for_reset_token(session, ctx.secret_key, ctx.clock, token)
    if user is None:
        return render(
            request, "password_reset.html", {"invalid": True}, staff=None, status_code=400
        )
    errors: dict[str, str] = {}
    if new_password != confirm_password:
        errors["confirm_password"] = "account.mismatch"
    else:
        try:
            set_password(session, user, new_password)
        except ValidationFailed as exc:
            errors = {e.field: e.reason for e in exc.errors}
    if errors:
        return render(
            request,
            "password_reset.html",
            {"token": token, "errors": errors},
            staff=None,
            status_code=422,
        )
    audit(
        session=session,
        clock=ctx.clock,
        shop_id=None,
        actor=f"staff:{user.email}",
        action="staff.password_reset",
        target=f"user:{user.id}",
        detail={},
        origin=client_address(request, ctx.settings.trusted_proxies),
    )
    request.session.clear()
    return RedirectResponse("/login?reset=1", status_code=303)
