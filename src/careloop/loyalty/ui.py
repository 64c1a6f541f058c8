"""The loyalty pages: program settings (owner), members with tier and points, a member's
ledger with manual adjustments (agent+, reason required, who and when recorded), rewards,
coupons and the referrals waiting for review."""

from __future__ import annotations

import json
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from careloop.audit.service import audit
from careloop.core.catalogue import t
from careloop.core.errors import Conflict, NotFound, ValidationFailed
from careloop.customers.models import Customer
from careloop.customers.service import get_customer_by_id
from careloop.loyalty.admin import ledger_of, members, program_settings, tier_counts
from careloop.loyalty.config import ENTITLEMENT_KEYS, GRANT_ON, MAX_TIERS
from careloop.loyalty.coupon_reasons import coupon_reason
from careloop.loyalty.coupons import coupons_of, revoke_coupon
from careloop.loyalty.economics import point_value_minor, reward_terms
from careloop.loyalty.points import adjust, points_balance
from careloop.loyalty.program import program_config
from careloop.loyalty.reasons import entry_kind_label, reason_text, reward_names
from careloop.loyalty.referrals import approve_referral, cancel_referral, referrals_of
from careloop.loyalty.service import disable_program, enable_program, update_settings
from careloop.loyalty.settings_form import (
    REWARD_KINDS,
    SECTIONS,
    blank_reward,
    blank_tier,
    changed_settings,
    read_settings,
    shown_values,
    submitted_values,
    tier_spend_hints,
    worded,
)
from careloop.loyalty.simulator import WINDOW_DAYS, cost_inputs, simulate_monthly_cost
from careloop.loyalty.store_actions import store_actions_of
from careloop.loyalty.tier_names import shop_tier_labels, tier_label, tier_labels
from careloop.web.deps import Ctx, SessionDep
from careloop.web.paging import Page
from careloop.web.ui.deps import AgentStaff, CurrentStaff, OwnerStaff, StaffContext
from careloop.web.ui.templating import render

router = APIRouter()

PAGE_SIZE = 50
REASON_MAX = 300


# Settings whose values decide what the programme costs: the page shows the budget band
# next to them.
ECONOMY_SETTINGS = (
    "rewards",
    "coupon_max_discount_major",
    "coupon_min_order_major",
    "birthday_percent",
    "anniversary_percent",
    "referral_friend_percent",
    "referral_advocate_percent",
    "points_per_unit",
)


def _actor(staff: StaffContext) -> str:
    return f"staff:{staff.user.email}"


def _audit(
    request: Request,
    session: Session,
    ctx: Ctx,
    staff: StaffContext,
    action: str,
    target: str,
    detail: dict[str, Any] | None = None,
) -> None:
    audit(
        session=session,
        clock=ctx.clock,
        shop_id=staff.shop.id,
        actor=_actor(staff),
        action=action,
        target=target,
        detail=detail,
        origin=request.client.host if request.client else "",
    )


def _customer(session: Session, staff: StaffContext, customer_id: str) -> Customer:
    try:
        wanted = int(customer_id)
    except ValueError:
        raise NotFound("customer", customer_id) from None
    return get_customer_by_id(session, staff.shop, wanted)


def _settings_page(
    request: Request,
    staff: StaffContext,
    session: Session,
    ctx: Ctx,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    settings_form: dict[str, Any] | None = None,
) -> HTMLResponse:
    return render(
        request,
        "loyalty/settings.html",
        {
            "tab": "settings",
            "program": program_settings(session, ctx.clock, staff.shop),
            "cost": _cost(session, ctx, staff),
            "economy_settings": ECONOMY_SETTINGS,
            "errors": errors or {},
            "form": form or {},
            "sf": settings_form or _settings_form(session, staff),
        },
        staff=staff,
        status_code=422 if errors or (settings_form or {}).get("errors") else 200,
    )


def _settings_form(
    session: Session,
    staff: StaffContext,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    tier_notice: bool = False,
) -> dict[str, Any]:
    """The programme settings form: the values shown (or typed), the choices, the safe
    amounts a blank field falls back to, and errors by field."""
    shop = staff.shop
    config = program_config(session, shop.id)
    shown = values or shown_values(config, shop.currency, shop.locale)
    tier_rows = shown["tiers"]
    min_tier_choices = {
        row["key"]: row["name_vi" if staff.locale == "vi" else "name_en"] or row["key"]
        for row in tier_rows
        if row["key"]
    }
    # A reward still naming a tier the form just removed keeps it selected (the save then
    # says why it cannot go), rather than silently opening the reward to every tier.
    for reward in shown["rewards"]:
        gone = reward.get("min_tier")
        if gone and gone not in min_tier_choices:
            min_tier_choices[gone] = tier_label(config, gone, staff.locale)
    terms = {
        r.key: reward_terms(r, config, shop.currency, shop.business_model) for r in config.rewards
    }
    return {
        "values": shown,
        "rewards": [*shown["rewards"], blank_reward()],
        "reward_count": len(shown["rewards"]),
        "terms": terms,
        "sections": SECTIONS,
        "tier_rows": tier_rows,
        "tier_count": len(tier_rows),
        "max_tiers": MAX_TIERS,
        "tier_notice": tier_notice,
        "min_tier_choices": min_tier_choices,
        "spend_hints": tier_spend_hints(tier_rows, shop.currency, shop.locale),
        "privileges": ENTITLEMENT_KEYS,
        "grant_on": GRANT_ON,
        "reward_kinds": REWARD_KINDS,
        "point_value": point_value_minor(config, shop.currency, shop.business_model),
        "errors": errors or {},
    }


def _cost(session: Session, ctx: Ctx, staff: StaffContext) -> dict[str, Any]:
    shop = staff.shop
    inputs = cost_inputs(session, shop.id, ctx.clock.now())
    estimate = simulate_monthly_cost(
        order_totals=inputs.order_totals,
        days=WINDOW_DAYS,
        config=program_config(session, shop.id),
        currency=shop.currency,
        business_model=shop.business_model,
        observed_rate=inputs.observed_rate,
    )
    low, high = estimate.band
    return {
        "estimate": estimate,
        "days": WINDOW_DAYS,
        "has_orders": bool(inputs.order_totals),
        "model": shop.business_model,
        "low": f"{low * 100:g}",
        "high": f"{high * 100:g}",
        "rate": f"{estimate.redemption_rate * 100:.0f}",
    }


@router.get("/loyalty", response_class=HTMLResponse)
def settings_page(
    request: Request, staff: CurrentStaff, session: SessionDep, ctx: Ctx
) -> HTMLResponse:
    return _settings_page(request, staff, session, ctx)


@router.post("/loyalty/program")
def toggle_program(
    request: Request,
    staff: OwnerStaff,
    session: SessionDep,
    ctx: Ctx,
    enabled: Annotated[str, Form()] = "",
) -> Response:
    if enabled == "1":
        enable_program(session=session, clock=ctx.clock, shop=staff.shop, actor=_actor(staff))
    else:
        disable_program(session=session, clock=ctx.clock, shop=staff.shop, actor=_actor(staff))
    _audit(
        request,
        session,
        ctx,
        staff,
        "loyalty.program_" + ("enabled" if enabled == "1" else "disabled"),
        "loyalty:program",
    )
    return RedirectResponse("/loyalty", status_code=303)


@router.post("/loyalty/settings")
def save_setting(
    request: Request,
    staff: OwnerStaff,
    session: SessionDep,
    ctx: Ctx,
    name: Annotated[str, Form()] = "",
    value: Annotated[str, Form()] = "",
) -> Response:
    form = {"name": name, "value": value}
    name = name.strip()
    if not name:
        return _settings_page(request, staff, session, ctx, {"name": "choose a setting"}, form)
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        return _settings_page(
            request, staff, session, ctx, {"value": f"not valid JSON ({exc.msg})"}, form
        )
    try:
        with session.begin_nested():
            update_settings(
                session=session,
                clock=ctx.clock,
                shop=staff.shop,
                changes={name: parsed},
                actor=_actor(staff),
            )
    except ValidationFailed as exc:
        return _settings_page(
            request, staff, session, ctx, {"value": "; ".join(str(e) for e in exc.errors)}, form
        )
    _audit(
        request, session, ctx, staff, "loyalty.settings_changed", f"loyalty:{name}", {name: parsed}
    )
    return RedirectResponse("/loyalty", status_code=303)


@router.post("/loyalty/settings/form")
async def save_settings_form(
    request: Request, staff: OwnerStaff, session: SessionDep, ctx: Ctx
) -> Response:
    """Every programme setting from the form: validated as a whole, nothing saved on an
    error (the form comes back with what was typed and each problem under its field)."""
    form = await request.form()
    ticked = [
        (key.removeprefix("benefit."), str(value))
        for key, value in form.multi_items()
        if key.startswith("benefit.")
    ]
    values = submitted_values(form, ticked)
    action = str(form.get("tier_action") or "")
    if action:  # "Thêm hạng" / "Xoá hạng": the table changes on the page, nothing is saved
        _edit_tier_rows(values["tiers"], action)
        shown = _settings_form(session, staff, values, tier_notice=True)
        return _settings_page(request, staff, session, ctx, settings_form=shown)
    config = program_config(session, staff.shop.id)
    settings, problems = read_settings(values, config, staff.shop.currency)
    errors = worded(problems, staff.locale)
    changes = changed_settings(settings, config) if not errors else {}
    if changes:
        try:
            with session.begin_nested():
                update_settings(
                    session=session,
                    clock=ctx.clock,
                    shop=staff.shop,
                    changes=changes,
                    actor=_actor(staff),
                )
        except ValidationFailed as exc:
            errors = {e.field: f"{e.field}: {e.reason}" for e in exc.errors}
    if errors:
        shown = _settings_form(session, staff, values, errors)
        return _settings_page(request, staff, session, ctx, settings_form=shown)
    if changes:
        target = "loyalty:" + ",".join(sorted(changes))
        _audit(request, session, ctx, staff, "loyalty.settings_changed", target, changes)
    return RedirectResponse("/loyalty", status_code=303)


def _edit_tier_rows(rows: list[dict[str, Any]], action: str) -> None:
    """Add an empty row at the end, or remove row `remove:<i>` (at least one stays)."""
    if action == "add" and len(rows) < MAX_TIERS:
        rows.append(blank_tier())
    elif action.startswith("remove:") and len(rows) > 1:
        index = action.removeprefix("remove:")
        if index.isdigit() and int(index) < len(rows):
            del rows[int(index)]


@router.get("/loyalty/members", response_class=HTMLResponse)
def members_page(
    request: Request, staff: CurrentStaff, session: SessionDep, tier: str = "", page: Page = 1
) -> HTMLResponse:
    page = max(1, page)
    counts = tier_counts(session, staff.shop.id)
    rows = members(
        session,
        staff.shop.id,
        tier=tier or None,
        offset=(page - 1) * PAGE_SIZE,
        limit=PAGE_SIZE + 1,
    )
    return render(
        request,
        "loyalty/members.html",
        {
            "tab": "members",
            "rows": rows[:PAGE_SIZE],
            "has_more": len(rows) > PAGE_SIZE,
            "page": page,
            "tier": tier,
            "tiers": counts,
            "tier_names": shop_tier_labels(
                session, staff.shop.id, staff.locale, (*counts, *(r.tier for r in rows))
            ),
        },
        staff=staff,
    )


def _ledger_page(
    request: Request,
    staff: StaffContext,
    session: Session,
    customer: Customer,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    entries = ledger_of(session, staff.shop.id, customer.id)
    names = reward_names(program_config(session, staff.shop.id).rewards, staff.locale)
    return render(
        request,
        "loyalty/ledger.html",
        {
            "tab": "members",
            "customer": customer,
            "balance": points_balance(
                session=session, shop_id=staff.shop.id, customer_id=customer.id
            ),
            "entries": entries,
            "reasons": {e.id: reason_text(e.reason, staff.locale, names) for e in entries},
            "kinds": {e.id: entry_kind_label(e.kind, staff.locale) for e in entries},
            "store_actions": store_actions_of(session, staff.shop.id, customer.id),
            "errors": errors or {},
            "form": form or {"key": secrets.token_hex(8)},
        },
        staff=staff,
        status_code=422 if errors else 200,
    )


@router.get("/loyalty/members/{customer_id}", response_class=HTMLResponse)
def ledger_page(
    request: Request, staff: CurrentStaff, session: SessionDep, customer_id: str
) -> HTMLResponse:
    return _ledger_page(request, staff, session, _customer(session, staff, customer_id))


@router.post("/loyalty/members/{customer_id}/adjust")
def adjust_points(
    request: Request,
    staff: AgentStaff,
    session: SessionDep,
    ctx: Ctx,
    customer_id: str,
    points: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    key: Annotated[str, Form()] = "",
) -> Response:
    customer = _customer(session, staff, customer_id)
    form = {"points": points, "reason": reason, "key": key or secrets.token_hex(8)}
    errors: dict[str, str] = {}
    try:
        amount = int(points.strip().replace("+", ""))
    except ValueError:
        errors["points"] = t("loyalty.adjust_error.whole_number", staff.locale)
        amount = 0
    if len(reason.strip()) > REASON_MAX:
        errors["reason"] = t("loyalty.adjust_error.too_long", staff.locale, max=REASON_MAX)
    if not errors:
        try:
            with session.begin_nested():
                adjust(
                    session=session,
                    clock=ctx.clock,
                    shop_id=staff.shop.id,
                    customer_id=customer.id,
                    points=amount,
                    reason=reason.strip(),
                    actor=staff.user.email,
                    # The form's key makes a double submit one adjustment, not two.
                    idempotency_key=f"ui-adjust:{customer.id}:{form['key'][:32]}",
                )
        except ValidationFailed as exc:
            errors = {e.field: _adjust_error(e.field, e.reason, staff.locale) for e in exc.errors}
    if errors:
        return _ledger_page(request, staff, session, customer, errors, form)
    _audit(
        request,
        session,
        ctx,
        staff,
        "loyalty.points_adjusted",
        f"customer:{customer.id}",
        {"points": amount, "reason": reason.strip()},
    )
    return RedirectResponse(f"/loyalty/members/{customer.id}", status_code=303)


# The ledger's refusals of a manual adjustment (careloop.loyalty.points.adjust), in words.
_ADJUST_ERRORS = {
    ("reason", "a manual adjustment needs a reason"): "loyalty.adjust_error.reason_needed",
    ("points", "must not be 0"): "loyalty.adjust_error.zero",
}


def _adjust_error(field: str, reason: str, locale: str) -> str:
    if reason.startswith("would go below zero"):
        return t("loyalty.adjust_error.below_zero", locale)
    key = _ADJUST_ERRORS.get((field, reason))
    return t(key, locale) if key else reason


@router.get("/loyalty/rewards", response_class=HTMLResponse)
def rewards_page(request: Request, staff: CurrentStaff, session: SessionDep) -> HTMLResponse:
    config = program_config(session, staff.shop.id)
    shop = staff.shop
    terms = {
        r.key: reward_terms(r, config, shop.currency, shop.business_model) for r in config.rewards
    }
    return render(
        request,
        "loyalty/rewards.html",
        {
            "tab": "rewards",
            "rewards": config.rewards,
            "terms": terms,
            "tier_names": tier_labels(config, staff.locale),
        },
        staff=staff,
    )


@router.get("/loyalty/coupons", response_class=HTMLResponse)
def coupons_page(request: Request, staff: CurrentStaff, session: SessionDep) -> HTMLResponse:
    from careloop.loyalty.store_ui import store_notice

    found = coupons_of(session, staff.shop.id)[:200]
    store = store_notice(session, staff.shop.id)
    config = program_config(session, staff.shop.id)
    reasons = {c.code: coupon_reason(c.reason, staff.locale, config) for c in found}
    return render(
        request,
        "loyalty/coupons.html",
        {"tab": "coupons", "coupons": found, "store": store, "reasons": reasons},
        staff=staff,
    )


@router.post("/loyalty/coupons/{code}/revoke")
def revoke(
    request: Request, staff: AgentStaff, session: SessionDep, ctx: Ctx, code: str
) -> Response:
    revoke_coupon(session=session, clock=ctx.clock, shop=staff.shop, code=code)
    _audit(request, session, ctx, staff, "loyalty.coupon_revoked", f"coupon:{code}")
    return RedirectResponse("/loyalty/coupons", status_code=303)


@router.get("/loyalty/referrals", response_class=HTMLResponse)
def referrals_page(
    request: Request,
    staff: CurrentStaff,
    session: SessionDep,
    status: str = "held",
    error: str = "",
) -> HTMLResponse:
    found = referrals_of(session, staff.shop.id, status=status or None)
    ids = {r.advocate_id for r in found} | {r.friend_id for r in found}
    people = {
        c.id: c
        for c in (session.get(Customer, i) for i in ids)
        if c is not None and c.shop_id == staff.shop.id
    }
    return render(
        request,
        "loyalty/referrals.html",
        {"tab": "referrals", "referrals": found, "people": people, "status": status},
        staff=staff,
    )


@router.post("/loyalty/referrals/{referral_id}/{action}")
def review_referral(
    request: Request,
    staff: AgentStaff,
    session: SessionDep,
    ctx: Ctx,
    referral_id: int,
    action: str,
) -> Response:
    if action not in ("approve", "cancel"):
        raise NotFound("action", action)
    review = approve_referral if action == "approve" else cancel_referral
    try:
        review(
            session=session,
            clock=ctx.clock,
            shop=staff.shop,
            referral_id=referral_id,
            actor=_actor(staff),
        )
    except Conflict:
        return RedirectResponse("/loyalty/referrals?status=", status_code=303)
    _audit(request, session, ctx, staff, f"loyalty.referral_{action}d", f"referral:{referral_id}")
    return RedirectResponse("/loyalty/referrals", status_code=303)
