"""Settings: the shop, channels (with a test send), the contact policy, SLA policies and
business hours, staff users and roles, API keys. Everyone may read the shop's settings;
only the owner changes them, and every change is audited."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.alerts.service import ZALO_TEMPLATE
from careloop.audit.service import audit
from careloop.channels.base import Outgoing, SendError, settings_for_display
from careloop.channels.dispatch import default_provider
from careloop.channels.forms import (
    FORMS,
    SMTP_HINTS,
    TEMPLATE_PREFIX,
    ProviderForm,
    find_form,
    parse_form,
    secret_state,
    shown_value,
)
from careloop.channels.models import ChannelSettings
from careloop.channels.policy import ContactPolicy
from careloop.channels.reason_text import reason_text
from careloop.channels.settings import get_channel_settings, set_channel_settings
from careloop.channels.sms_text import unaccented
from careloop.channels.templates import shipped_template_keys
from careloop.core.errors import NotFound, ValidationFailed
from careloop.core.money import format_money
from careloop.shops.accounts import invite_existing_user, shop_invitations, withdraw_invitation
from careloop.shops.models import BUSINESS_MODELS, ROLES, ApiKey, Membership, StaffUser
from careloop.shops.service import create_api_key, create_user, validate_timezone
from careloop.support.calendar import WEEKDAYS, BusinessCalendar
from careloop.support.config import (
    parse_days_off,
    set_sla_policy,
    sla_rules,
    support_settings,
)
from careloop.support.playbooks import playbook_views
from careloop.support.sla import Priority
from careloop.web.deps import Ctx, SessionDep
from careloop.web.i18n import LOCALES, t
from careloop.web.ui.account import mail_invitation
from careloop.web.ui.deps import CurrentStaff, OwnerStaff, StaffContext
from careloop.web.ui.settings_text import TABS
from careloop.web.ui.templating import render

router = APIRouter()

TEST_CHANNELS = ("email", "sms", "zalo", "webhook")
Errors = dict[str, str]


def _audit(
    request: Request,
    session: Session,
    ctx: Ctx,
    staff: StaffContext,
    action: str,
    target: str,
    detail: Mapping[str, Any] | None = None,
) -> None:
    audit(
        session=session,
        clock=ctx.clock,
        shop_id=staff.shop.id,
        actor=f"staff:{staff.user.email}",
        action=action,
        target=target,
        detail=dict(detail or {}),
        origin=request.client.host if request.client else "",
    )


def _errors(exc: ValidationFailed, prefix: str = "") -> Errors:
    found: Errors = {}
    for e in exc.errors:
        name = e.field.removeprefix(prefix)
        found[name] = f"{found[name]}; {e.reason}" if name in found else e.reason
    return found


def _page(
    request: Request,
    staff: StaffContext,
    tab: str,
    context: Mapping[str, Any],
    errors: Errors | None = None,
    form: Mapping[str, Any] | None = None,
    notice: str = "",
) -> HTMLResponse:
    return render(
        request,
        f"settings/{tab}.html",
        {
            "tab": tab,
            "tabs": TABS,
            "errors": errors or {},
            "form": form or {},
            "notice": notice,
            **context,
        },
        staff=staff,
        status_code=422 if errors else 200,
    )


def _done(path: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?saved=1", status_code=303)


# --- Shop --------------------------------------------------------------------------------


def _shop_context(staff: StaffContext) -> dict[str, Any]:
    from careloop.channels.sms_text import sms_name_suggestion

    return {
        "business_models": BUSINESS_MODELS,
        "locales": LOCALES,
        "sms_name_suggestion": sms_name_suggestion,
    }


@router.get("/settings", response_class=HTMLResponse)
def shop_page(request: Request, staff: CurrentStaff, saved: str = "") -> HTMLResponse:
    s = staff.shop
    form = {
        "name": s.name,
        "timezone": s.timezone,
        "currency": s.currency,
        "locale": s.locale,
        "business_model": s.business_model,
    }
    return _page(request, staff, "shop", _shop_context(staff), form=form, notice=saved)


@router.post("/settings/shop")
def save_shop(
    request: Request,
    staff: OwnerStaff,
    session: SessionDep,
    ctx: Ctx,
    name: Annotated[str, Form()] = "",
    timezone: Annotated[str, Form()] = "",
    currency: Annotated[str, Form()] = "",
    locale: Annotated[str, Form()] = "",
    business_model: Annotated[str, Form()] = "",
) -> Response:
    form = {
        "name": name.strip(),
        "timezone": timezone.strip(),
        "currency": currency.strip().upper(),
        "locale": locale,
        "business_model": business_model,
    }
    errors: Errors = {}
    if not form["name"] or len(form["name"]) > 200:
        errors["name"] = "required, at most 200 characters"
    if reason := validate_timezone(form["timezone"]):
        errors["timezone"] = reason
    try:
        if len(form["currency"]) != 3 or not form["currency"].isalpha():
            raise ValueError
        format_money(0, form["currency"], "vi")
    except (ValueError, KeyError):
        errors["currency"] = "a 3-letter ISO currency code such as VND or USD"
    if locale not in LOCALES:
        errors["locale"] = f"one of {', '.join(LOCALES)}"
    if business_model not in BUSINESS_MODELS:
        errors["business_model"] = f"one of {', '.join(BUSINESS_MODELS)}"
    if errors:
        return _page(request, staff, "shop", _shop_context(staff), errors, form)
    shop = staff.shop
    before = {k: getattr(shop, k) for k in form}
    for key, value in form.items():
        setattr(shop, key, value)
    changed = {k: [before[k], v] for k, v in form.items() if before[k] != v}
    _audit(request, session, ctx, staff, "shop.settings_changed", f"shop:{shop.slug}", changed)
    return _done("/settings")


# --- Channels ----------------------------------------------------------------------------


def _channels_context(
    session: Session,
    staff: StaffContext,
    *,
    open_form: str = "",
    typed: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """One form per provider; a stored secret shows only as "set", never its value."""
    rows = {
        r.channel: r
        for r in session.scalars(
            select(ChannelSettings).where(ChannelSettings.shop_id == staff.shop.id)
        )
    }
    forms = []
    for spec in FORMS:
        row = rows.get(spec.channel)
        active = row is not None and row.provider == spec.provider
        config = dict(row.config) if active and row is not None else {}
        mine = typed if typed is not None and open_form == spec.key else None
        values = {
            f.name: (
                ""
                if f.secret
                else str(mine.get(f.name, ""))
                if mine is not None
                else shown_value(f, config)
            )
            for f in spec.fields
        }
        template_ids = dict(config.get("template_ids") or {})
        if mine is not None:
            template_ids = {
                k.removeprefix(TEMPLATE_PREFIX): str(v)
                for k, v in mine.items()
                if k.startswith(TEMPLATE_PREFIX)
            }
        forms.append(
            {
                "spec": spec,
                "active": active,
                "values": values,
                "secrets": secret_state(spec, config),
                "template_ids": template_ids,
                "open": open_form == spec.key or (not open_form and active),
                "facts": [] if staff.can("owner") else _facts_for_viewer(spec, config, staff),
            }
        )
    return {
        "forms": forms,
        # Staff alerts by Zalo need their own approved ZNS template too (careloop.alerts).
        "template_keys": sorted({*shipped_template_keys(), ZALO_TEMPLATE}),
        "smtp_hints": SMTP_HINTS["vi" if staff.locale == "vi" else "en"],
        "configured": {c: r.provider for c, r in rows.items()},
    }


def _facts_for_viewer(
    spec: ProviderForm, config: Mapping[str, Any], staff: StaffContext
) -> list[tuple[str, Any]]:
    """What a non-owner reads of a channel: secrets and account names only as set / not set,
    URLs cut to their host (issue 20 item 7)."""
    if not config:
        return []
    secrets = frozenset(f.name for f in spec.fields if f.secret)
    shown = settings_for_display(dict(config), secrets, owner=False)
    return [(f.label(staff.locale), shown[f.name]) for f in spec.fields if f.name in shown]


@router.get("/settings/channels", response_class=HTMLResponse)
def channels_page(
    request: Request, staff: CurrentStaff, session: SessionDep, saved: str = ""
) -> HTMLResponse:
    return _page(request, staff, "channels", _channels_context(session, staff), notice=saved)


@router.post("/settings/channels/{channel}/{provider}")
async def save_channel(
    channel: str,
    provider: str,
    request: Request,
    staff: OwnerStaff,
    session: SessionDep,
    ctx: Ctx,
) -> Response:
    """Save one provider's form; each bad field is shown next to it, nothing is saved."""
    spec = find_form(channel, provider)
    if spec is None:
        raise NotFound("channel provider", f"{channel}/{provider}")
    submitted = {k: str(v) for k, v in (await request.form()).items()}
    row = get_channel_settings(session, staff.shop.id, channel)
    current = dict(row.config) if row is not None and row.provider == provider else {}
    values, problems = parse_form(spec, submitted, current, staff.locale)
    errors: Errors = {}
    if not problems:
        try:
            with session.begin_nested():
                set_channel_settings(
                    session=session,
                    clock=ctx.clock,
                    shop=staff.shop,
                    channel=channel,
                    provider=provider,
                    values=values,
                )
        except ValidationFailed as exc:
            problems = list(exc.errors)
    for problem in problems:
        errors[problem.field] = problem.reason
    if errors:
        context = _channels_context(session, staff, open_form=spec.key, typed=submitted)
        return _page(request, staff, "channels", context, errors, {"form": spec.key})
    _audit(
        request,
        session,
        ctx,
        staff,
        "channel.settings_changed",
        f"channel:{channel}",
        {"provider": provider, "fields": sorted(k for k, v in values.items() if v is not None)},
    )
    return _done("/settings/channels")


def _test_message(
    staff: StaffContext, channel: str, row: ChannelSettings, to: str, stamp: str
) -> Outgoing:
    data: dict[str, Any] = {}
    key = "settings.test"
    text = t("settings.test_message.text", staff.shop.locale, shop=staff.shop.name)
    if channel == "zalo":
        ids = dict(row.config.get("template_ids") or {})
        key = sorted(ids)[0] if ids else key
    return Outgoing(
        message_id=0,
        shop_id=staff.shop.id,
        dedup_id=f"settings-test-{stamp}",
        kind="transactional",
        channel=channel,
        to=to,
        # In the shop's language, as its customers' messages are; SMS without accents (GSM-7,
        # one part) as the shipped SMS wordings are.
        subject=t("settings.test_message.subject", staff.shop.locale, shop=staff.shop.name),
        text=unaccented(text) if channel == "sms" else text,
        html="",
        data=data,
        template_key=key,
    )


@router.post("/settings/channels/test")
def test_channel(
    request: Request,
    staff: OwnerStaff,
    session: SessionDep,
    ctx: Ctx,
    channel: Annotated[str, Form()] = "",
    address: Annotated[str, Form()] = "",
) -> Response:
    """Send a short test message through the shop's own provider and say what it answered."""
    vi = staff.locale == "vi"
    settings = get_channel_settings(session, staff.shop.id, channel)
    form = {"test_channel": channel, "address": address}
    open_form = f"{channel}-{settings.provider}" if settings is not None else ""
    context = _channels_context(session, staff, open_form=open_form)
    to = address.strip()
    if channel not in TEST_CHANNELS or settings is None:
        reason = "hãy cài đặt kênh này trước" if vi else "set up this channel first"
        return _page(request, staff, "channels", context, {"test_channel": reason}, form)
    if not to and channel != "webhook":
        reason = "nhập email hoặc số điện thoại" if vi else "enter an email address or phone number"
        return _page(request, staff, "channels", context, {"address": reason}, form)
    provider = default_provider(ctx, settings)
    stamp = f"{ctx.clock.now().timestamp():.0f}"
    try:
        sent = provider.send(_test_message(staff, channel, settings, to or "test", stamp))
    except SendError as exc:
        _audit(
            request,
            session,
            ctx,
            staff,
            "channel.test_failed",
            f"channel:{channel}",
            {"to": to, "provider": settings.provider, "answer": exc.reason},
        )
        answer = f"{settings.provider}: {reason_text(exc.reason, staff.locale)}"
        said = ("Nhà cung cấp từ chối — " if vi else "The provider refused it — ") + answer
        return _page(request, staff, "channels", context, {"address": said}, form)
    finally:
        provider.close()
    _audit(
        request,
        session,
        ctx,
        staff,
        "channel.test_sent",
        f"channel:{channel}",
        {"to": to, "provider": sent.provider, "provider_message_id": sent.provider_message_id},
    )
    ref = f" (id {sent.provider_message_id})" if sent.provider_message_id else ""
    if vi:
        notice = f"Đã gửi tới {to or settings.provider}: {sent.provider} đã nhận tin{ref}."
    else:
        notice = f"sent to {to or settings.provider}: {sent.provider} accepted it{ref}."
    return _page(request, staff, "channels", context, form=form, notice=notice)


# --- Contact policy ----------------------------------------------------------------------


def _policy_form(raw: Mapping[str, Any]) -> dict[str, Any]:
    policy = ContactPolicy.from_settings(raw)
    quiet = policy.quiet_hours
    return {
        "max_per_window": policy.max_per_window,
        "window_days": policy.window_days,
        "max_per_day": policy.max_per_day,
        "quiet_start": quiet[0].strftime("%H:%M") if quiet else "",
        "quiet_end": quiet[1].strftime("%H:%M") if quiet else "",
        "channel_order": ", ".join(policy.channel_order),
        "require_opt_in": policy.require_opt_in,
    }


@router.get("/settings/policy", response_class=HTMLResponse)
def policy_page(request: Request, staff: CurrentStaff, saved: str = "") -> HTMLResponse:
    try:
        form = _policy_form(staff.shop.contact_policy or {})
    except ValidationFailed as exc:
        return _page(request, staff, "policy", {}, _errors(exc, "contact_policy."), {})
    return _page(request, staff, "policy", {}, form=form, notice=saved)


@router.post("/settings/policy")
def save_policy(
    request: Request,
    staff: OwnerStaff,
    session: SessionDep,
    ctx: Ctx,
    max_per_window: Annotated[str, Form()] = "",
    window_days: Annotated[str, Form()] = "",
    max_per_day: Annotated[str, Form()] = "",
    quiet_start: Annotated[str, Form()] = "",
    quiet_end: Annotated[str, Form()] = "",
    channel_order: Annotated[str, Form()] = "",
    require_opt_in: Annotated[str, Form()] = "",
) -> Response:
    form = {
        "max_per_window": max_per_window,
        "window_days": window_days,
        "max_per_day": max_per_day,
        "quiet_start": quiet_start,
        "quiet_end": quiet_end,
        "channel_order": channel_order,
        "require_opt_in": bool(require_opt_in),
    }
    new: dict[str, Any] = dict(staff.shop.contact_policy or {})
    new.update(
        max_per_window=max_per_window.strip(),
        window_days=window_days.strip(),
        max_per_day=max_per_day.strip(),
        channel_order=[c.strip() for c in channel_order.split(",") if c.strip()],
        require_opt_in=bool(require_opt_in),
    )
    errors: Errors = {}
    if quiet_start.strip() and quiet_end.strip():
        new["quiet_hours"] = {"start": quiet_start.strip(), "end": quiet_end.strip()}
    elif quiet_start.strip() or quiet_end.strip():
        errors["quiet_hours"] = "give both the start and the end, or neither"
    else:
        new["quiet_hours"] = None
    try:
        ContactPolicy.from_settings(new)
    except ValidationFailed as exc:
        errors.update(_errors(exc, "contact_policy."))
    if errors:
        return _page(request, staff, "policy", {}, errors, form)
    # Store the normalised values (numbers as numbers), as the journeys read them.
    policy = ContactPolicy.from_settings(new)
    new.update(
        max_per_window=policy.max_per_window,
        window_days=policy.window_days,
        max_per_day=policy.max_per_day,
        channel_order=list(policy.channel_order),
    )
    staff.shop.contact_policy = new
    _audit(request, session, ctx, staff, "shop.contact_policy_changed", f"shop:{staff.shop.slug}")
    return _done("/settings/policy")


# --- Support: SLA policies and business hours ----------------------------------------------


def _support_context(session: Session, staff: StaffContext) -> dict[str, Any]:
    try:
        calendar = support_settings(staff.shop).calendar
    except ValidationFailed:
        calendar = None
    hours = calendar.to_dict()["weekly_hours"] if calendar else {}
    stored = ((staff.shop.settings or {}).get("support") or {}).get("days_off") or []
    days_off = []
    for text in stored:
        try:
            days_off.append(date.fromisoformat(text).strftime("%d/%m/%Y"))
        except (TypeError, ValueError):
            continue
    return {
        "rules": sla_rules(session, staff.shop.id),
        "priority_choices": [p.value for p in Priority],
        "playbooks": playbook_views(staff.locale),
        "weekdays": WEEKDAYS,
        "hours": {day: ", ".join(hours.get(day, [])) for day in WEEKDAYS},
        "days_off": "\n".join(days_off),
    }


@router.get("/settings/support", response_class=HTMLResponse)
def support_page(
    request: Request, staff: CurrentStaff, session: SessionDep, saved: str = ""
) -> HTMLResponse:
    return _page(request, staff, "support", _support_context(session, staff), notice=saved)


def _minutes(value: str, field: str, errors: Errors, locale: str) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        errors[field] = t("settings.error.whole_minutes", locale)
        return 0
    if number <= 0:
        errors[field] = t("settings.error.more_than_zero", locale)
    return number


@router.post("/settings/support/sla")
def save_sla(
    request: Request,
    staff: OwnerStaff,
    session: SessionDep,
    ctx: Ctx,
    name: Annotated[str, Form()] = "",
    first_response_minutes: Annotated[str, Form()] = "",
    next_response_minutes: Annotated[str, Form()] = "",
    resolution_minutes: Annotated[str, Form()] = "",
    priorities: Annotated[list[str] | None, Form()] = None,
    business_hours: Annotated[str, Form()] = "",
) -> Response:
    # Ticked boxes, one value each (a typed "urgent, high" is read the same way).
    chosen = list(dict.fromkeys(p.strip() for raw in priorities or () for p in raw.split(",")))
    chosen = [p for p in chosen if p]
    form = {
        "name": name,
        "first_response_minutes": first_response_minutes,
        "next_response_minutes": next_response_minutes,
        "resolution_minutes": resolution_minutes,
        "priorities": ", ".join(chosen),
        "business_hours": bool(business_hours),
    }
    errors: Errors = {}
    if not name.strip():
        errors["name"] = t("settings.error.required", staff.locale)
    first = _minutes(first_response_minutes, "first_response_minutes", errors, staff.locale)
    nxt = _minutes(next_response_minutes, "next_response_minutes", errors, staff.locale)
    resolution = _minutes(resolution_minutes, "resolution_minutes", errors, staff.locale)
    if not errors:
        try:
            with session.begin_nested():
                set_sla_policy(
                    session=session,
                    clock=ctx.clock,
                    shop=staff.shop,
                    name=name.strip(),
                    first_response_minutes=first,
                    next_response_minutes=nxt,
                    resolution_minutes=resolution,
                    priorities=chosen,
                    business_hours=bool(business_hours),
                )
        except ValidationFailed as exc:
            errors = _errors(exc)
    if errors:
        return _page(request, staff, "support", _support_context(session, staff), errors, form)
    _audit(request, session, ctx, staff, "support.sla_policy_saved", f"sla:{name.strip()}", form)
    return _done("/settings/support")


@router.post("/settings/support/hours")
async def save_hours(
    request: Request, staff: OwnerStaff, session: SessionDep, ctx: Ctx
) -> Response:
    data = await request.form()
    form = {f"hours_{day}": str(data.get(f"hours_{day}", "")) for day in WEEKDAYS}
    settings = dict(staff.shop.settings or {})
    support = dict(settings.get("support") or {})
    try:
        current = support_settings(staff.shop).calendar.to_dict()
    except ValidationFailed:
        current = {"holidays": []}
    spec = {
        "timezone": staff.shop.timezone,
        "weekly_hours": {
            day: [p.strip() for p in form[f"hours_{day}"].split(",") if p.strip()]
            for day in WEEKDAYS
        },
        "holidays": current.get("holidays", []),
        **({"public_holidays": current["public_holidays"]} if "public_holidays" in current else {}),
    }
    try:
        BusinessCalendar.from_dict(spec)
    except ValidationFailed as exc:
        errors = {
            f"hours_{e.field.split('.')[1]}"
            if e.field.startswith("weekly_hours.")
            else "hours": e.reason
            for e in exc.errors
        }
        context = _support_context(session, staff)
        context["hours"] = {day: form[f"hours_{day}"] for day in WEEKDAYS}
        return _page(request, staff, "support", context, errors, form)
    support["calendar"] = spec
    settings["support"] = support
    staff.shop.settings = settings
    _audit(
        request, session, ctx, staff, "support.business_hours_changed", f"shop:{staff.shop.slug}"
    )
    return _done("/settings/support")


@router.post("/settings/support/days-off")
def save_days_off(
    request: Request,
    staff: OwnerStaff,
    session: SessionDep,
    ctx: Ctx,
    days_off: Annotated[str, Form()] = "",
) -> Response:
    """The shop's own days off (dd/mm/yyyy), closed on top of the public holidays: the SLA
    business-hours clock stops on them."""
    days, bad = parse_days_off(days_off)
    if bad:
        errors = {"days_off": t("settings.days_off_invalid", staff.locale, value=", ".join(bad))}
        context = {**_support_context(session, staff), "days_off": days_off}
        return _page(request, staff, "support", context, errors, {"days_off": days_off})
    settings = dict(staff.shop.settings or {})
    support = dict(settings.get("support") or {})
    support["days_off"] = [day.isoformat() for day in days]
    settings["support"] = support
    staff.shop.settings = settings
    _audit(request, session, ctx, staff, "support.days_off_changed", f"shop:{staff.shop.slug}")
    return _done("/settings/support")


# --- Staff -------------------------------------------------------------------------------


def _staff_context(session: Session, staff: StaffContext) -> dict[str, Any]:
    people = session.execute(
        select(StaffUser, Membership)
        .join(Membership, Membership.user_id == StaffUser.id)
        .where(Membership.shop_id == staff.shop.id)
        .order_by(StaffUser.email)
    ).all()
    return {
        "people": people,
        "roles": ROLES,
        "invitations": shop_invitations(session, staff.shop.id),
    }


@router.get("/settings/staff", response_class=HTMLResponse)
def staff_page(
    request: Request, staff: OwnerStaff, session: SessionDep, saved: str = ""
) -> HTMLResponse:
    return _page(request, staff, "staff", _staff_context(session, staff), notice=saved)


@router.post("/settings/staff")
def invite(
    request: Request,
    staff: OwnerStaff,
    session: SessionDep,
    ctx: Ctx,
    background: BackgroundTasks,
    email: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "agent",
) -> Response:
    form = {"email": email, "name": name, "role": role}
    address = email.strip().lower()
    existing = session.scalar(select(StaffUser).where(StaffUser.email == address))
    if existing is not None and _is_member(session, staff, existing.id) is None:
        # Someone else's account: they decide whether to join. Until then this shop learns
        # nothing about them (not their name) and they see nothing of it.
        try:
            with session.begin_nested():
                invite_existing_user(session, ctx.clock, staff.shop, existing, address, role)
        except ValidationFailed as exc:
            ctx_ = _staff_context(session, staff)
            return _page(request, staff, "staff", ctx_, _errors(exc), form)
        # After the response (and so after the commit): a mail for an invitation that exists.
        background.add_task(
            mail_invitation, ctx.settings, address, existing.locale, staff.shop.name, role
        )
        _audit(
            request,
            session,
            ctx,
            staff,
            "staff.invitation_sent",
            f"email:{address}",
            {"role": role},
        )
        return _done("/settings/staff")
    try:
        with session.begin_nested():
            user = create_user(
                session=session,
                clock=ctx.clock,
                shop=staff.shop,
                email=email,
                password=password,
                role=role,
                name=name.strip() or None,
            )
    except ValidationFailed as exc:
        return _page(request, staff, "staff", _staff_context(session, staff), _errors(exc), form)
    _audit(request, session, ctx, staff, "staff.invited", f"user:{user.email}", {"role": role})
    return _done("/settings/staff")


def _is_member(session: Session, staff: StaffContext, user_id: int) -> Membership | None:
    return session.scalar(
        select(Membership).where(Membership.shop_id == staff.shop.id, Membership.user_id == user_id)
    )


@router.post("/settings/staff/invitations/{invitation_id}/withdraw")
def withdraw(
    request: Request, staff: OwnerStaff, session: SessionDep, ctx: Ctx, invitation_id: int
) -> Response:
    invitation = withdraw_invitation(session, staff.shop.id, invitation_id)
    _audit(request, session, ctx, staff, "staff.invitation_withdrawn", f"email:{invitation.email}")
    return _done("/settings/staff")


def _membership(session: Session, staff: StaffContext, user_id: int) -> Membership:
    found = session.scalar(
        select(Membership).where(Membership.shop_id == staff.shop.id, Membership.user_id == user_id)
    )
    if found is None:
        raise NotFound("staff user", user_id)
    return found


@router.post("/settings/staff/{user_id}/role")
def change_role(
    request: Request,
    staff: OwnerStaff,
    session: SessionDep,
    ctx: Ctx,
    user_id: int,
    role: Annotated[str, Form()] = "",
) -> Response:
    membership = _membership(session, staff, user_id)
    errors: Errors = {}
    if role not in ROLES:
        errors[f"role_{user_id}"] = f"one of {', '.join(ROLES)}"
    elif user_id == staff.user.id:
        errors[f"role_{user_id}"] = "you cannot change your own role; ask another owner"
    if errors:
        return _page(request, staff, "staff", _staff_context(session, staff), errors)
    before, membership.role = membership.role, role
    _audit(
        request,
        session,
        ctx,
        staff,
        "staff.role_changed",
        f"user:{user_id}",
        {"from": before, "to": role},
    )
    return _done("/settings/staff")


@router.post("/settings/staff/{user_id}/remove")
def remove_staff(
    request: Request, staff: OwnerStaff, session: SessionDep, ctx: Ctx, user_id: int
) -> Response:
    membership = _membership(session, staff, user_id)
    if user_id == staff.user.id:
        return _page(
            request,
            staff,
            "staff",
            _staff_context(session, staff),
            {f"role_{user_id}": "you cannot remove yourself"},
        )
    session.delete(membership)
    _audit(request, session, ctx, staff, "staff.removed", f"user:{user_id}")
    return _done("/settings/staff")


# --- API keys ----------------------------------------------------------------------------


def _keys_context(session: Session, staff: StaffContext) -> dict[str, Any]:
    keys = session.scalars(
        select(ApiKey).where(ApiKey.shop_id == staff.shop.id).order_by(ApiKey.id.desc())
    ).all()
    return {"keys": keys}


@router.get("/settings/api-keys", response_class=HTMLResponse)
def keys_page(
    request: Request, staff: OwnerStaff, session: SessionDep, saved: str = ""
) -> HTMLResponse:
    return _page(request, staff, "keys", _keys_context(session, staff), notice=saved)


@router.post("/settings/api-keys")
def new_key(
    request: Request,
    staff: OwnerStaff,
    session: SessionDep,
    ctx: Ctx,
    name: Annotated[str, Form()] = "",
) -> Response:
    label = name.strip()
    if not label or len(label) > 100:
        return _page(
            request,
            staff,
            "keys",
            _keys_context(session, staff),
            {"name": "required, at most 100 characters"},
            {"name": name},
        )
    key = create_api_key(session=session, clock=ctx.clock, shop=staff.shop, name=label)
    _audit(request, session, ctx, staff, "api_key.created", f"api_key:{key[:10]}", {"name": label})
    # Shown once, in this answer only: only the hash is stored.
    return _page(request, staff, "keys", {**_keys_context(session, staff), "new_key": key})


@router.post("/settings/api-keys/{key_id}/revoke")
def revoke_key(
    request: Request, staff: OwnerStaff, session: SessionDep, ctx: Ctx, key_id: int
) -> Response:
    key = session.get(ApiKey, key_id)
    if key is None or key.shop_id != staff.shop.id:
        raise NotFound("api key", key_id)
    if key.revoked_at is None:
        key.revoked_at = ctx.clock.now()
        _audit(request, session, ctx, staff, "api_key.revoked", f"api_key:{key.prefix}")
    return _done("/settings/api-keys")
