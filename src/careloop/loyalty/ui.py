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
from careloop.core.errors import Conflict, NotFound, ValidationFailed
from careloop.customers.models import Customer
from careloop.customers.service import get_customer_by_id
from careloop.loyalty.admin import ledger_of, members, program_settings, tier_counts
from careloop.loyalty.coupons import coupons_of, revoke_coupon
from careloop.loyalty.points import adjust, points_balance
from careloop.loyalty.program import program_config
from careloop.loyalty.referrals import approve_referral, cancel_referral, referrals_of
from careloop.loyalty.service import disable_program, enable_program, update_settings
from careloop.web.deps import Ctx, SessionDep
from careloop.web.i18n import register_messages
from careloop.web.paging import Page
from careloop.web.ui.deps import AgentStaff, CurrentStaff, OwnerStaff, StaffContext
from careloop.web.ui.nav import register_nav
from careloop.web.ui.templating import render

router = APIRouter()
register_nav("loyalty", "Loyalty", "Khách hàng thân thiết", "/loyalty", min_role="viewer", order=40)

PAGE_SIZE = 50
REASON_MAX = 300

register_messages(
    {
        "loyalty.title": {"en": "Loyalty", "vi": "Khách hàng thân thiết"},
        "loyalty.settings": {"en": "Program", "vi": "Chương trình"},
        "loyalty.members": {"en": "Members", "vi": "Thành viên"},
        "loyalty.rewards": {"en": "Rewards", "vi": "Phần thưởng"},
        "loyalty.coupons": {"en": "Coupons", "vi": "Mã giảm giá"},
        "loyalty.referrals": {"en": "Referrals", "vi": "Giới thiệu"},
        "loyalty.enabled": {"en": "The program is running.", "vi": "Chương trình đang chạy."},
        "loyalty.disabled": {
            "en": "The program is off. Turn it on to give tiers from past orders and points "
            "from now on.",
            "vi": "Chương trình đang tắt. Bật để xếp hạng theo đơn cũ và tích điểm từ bây giờ.",
        },
        "loyalty.enable": {"en": "Turn on", "vi": "Bật"},
        "loyalty.disable": {"en": "Turn off", "vi": "Tắt"},
        "loyalty.confirm_disable": {
            "en": "Turn the loyalty program off? Customers stop earning points.",
            "vi": "Tắt chương trình? Khách hàng sẽ ngừng tích điểm.",
        },
        "loyalty.setting": {"en": "Setting", "vi": "Thiết lập"},
        "loyalty.value": {"en": "Value (JSON)", "vi": "Giá trị (JSON)"},
        "loyalty.save": {"en": "Save", "vi": "Lưu"},
        "loyalty.updated_by": {
            "en": "Last changed by {who} at {when}",
            "vi": "Sửa lần cuối bởi {who} lúc {when}",
        },
        "loyalty.tier": {"en": "Tier", "vi": "Hạng"},
        "loyalty.no_tier": {"en": "no tier", "vi": "chưa có hạng"},
        "loyalty.points": {"en": "Points", "vi": "Điểm"},
        "loyalty.since": {"en": "Since", "vi": "Từ"},
        "loyalty.no_members": {
            "en": "No members yet. Turn the program on; customers join with their orders.",
            "vi": "Chưa có thành viên. Hãy bật chương trình; khách tham gia khi mua hàng.",
        },
        "loyalty.ledger": {"en": "Points ledger", "vi": "Sổ điểm"},
        "loyalty.adjust": {"en": "Adjust points", "vi": "Điều chỉnh điểm"},
        "loyalty.adjust_points": {
            "en": "Points (+ to add, − to remove)",
            "vi": "Điểm (+ cộng, − trừ)",
        },
        "loyalty.reason": {"en": "Reason (required)", "vi": "Lý do (bắt buộc)"},
        "loyalty.when": {"en": "When", "vi": "Lúc"},
        "loyalty.kind": {"en": "Kind", "vi": "Loại"},
        "loyalty.who": {"en": "By", "vi": "Bởi"},
        "loyalty.expires": {"en": "Expires", "vi": "Hết hạn"},
        "loyalty.empty_ledger": {"en": "No points yet.", "vi": "Chưa có điểm."},
        "loyalty.cost": {"en": "Cost (points)", "vi": "Giá (điểm)"},
        "loyalty.min_tier": {"en": "Minimum tier", "vi": "Hạng tối thiểu"},
        "loyalty.code": {"en": "Code", "vi": "Mã"},
        "loyalty.discount": {"en": "Discount", "vi": "Giảm"},
        "loyalty.used": {"en": "Used", "vi": "Đã dùng"},
        "loyalty.status": {"en": "Status", "vi": "Trạng thái"},
        "loyalty.revoke": {"en": "Revoke", "vi": "Thu hồi"},
        "loyalty.revoked": {"en": "revoked", "vi": "đã thu hồi"},
        "loyalty.confirm_revoke": {"en": "Revoke this coupon?", "vi": "Thu hồi mã này?"},
        "loyalty.no_coupons": {"en": "No coupons issued yet.", "vi": "Chưa phát mã nào."},
        "loyalty.no_rewards": {"en": "No rewards in the catalogue.", "vi": "Chưa có phần thưởng."},
        "loyalty.advocate": {"en": "Advocate", "vi": "Người giới thiệu"},
        "loyalty.friend": {"en": "Friend", "vi": "Người được giới thiệu"},
        "loyalty.hold_reasons": {"en": "Held because", "vi": "Tạm giữ vì"},
        "loyalty.reason.self_referral": {"en": "self-referral", "vi": "tự giới thiệu"},
        "loyalty.reason.shared_phone": {"en": "same phone", "vi": "trùng số điện thoại"},
        "loyalty.reason.shared_email": {"en": "same email", "vi": "trùng email"},
        "loyalty.reason.shared_delivery_address": {
            "en": "same delivery address",
            "vi": "trùng địa chỉ giao hàng",
        },
        "loyalty.reason.not_first_order": {
            "en": "not the friend's first order",
            "vi": "không phải đơn đầu tiên",
        },
        "loyalty.reason.burst": {
            "en": "many referrals this week",
            "vi": "quá nhiều lượt giới thiệu trong tuần",
        },
        "loyalty.approve": {"en": "Approve", "vi": "Duyệt"},
        "loyalty.cancel": {"en": "Cancel", "vi": "Hủy"},
        "loyalty.confirm_cancel": {"en": "Cancel this referral?", "vi": "Hủy lượt giới thiệu này?"},
        "loyalty.no_referrals": {"en": "No referrals yet.", "vi": "Chưa có lượt giới thiệu."},
        "loyalty.all": {"en": "All", "vi": "Tất cả"},
    }
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
) -> HTMLResponse:
    return render(
        request,
        "loyalty/settings.html",
        {
            "tab": "settings",
            "program": program_settings(session, ctx.clock, staff.shop),
            "errors": errors or {},
            "form": form or {},
        },
        staff=staff,
        status_code=422 if errors else 200,
    )


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


@router.get("/loyalty/members", response_class=HTMLResponse)
def members_page(
    request: Request, staff: CurrentStaff, session: SessionDep, tier: str = "", page: Page = 1
) -> HTMLResponse:
    page = max(1, page)
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
            "tiers": tier_counts(session, staff.shop.id),
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
    return render(
        request,
        "loyalty/ledger.html",
        {
            "tab": "members",
            "customer": customer,
            "balance": points_balance(
                session=session, shop_id=staff.shop.id, customer_id=customer.id
            ),
            "entries": ledger_of(session, staff.shop.id, customer.id),
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
        errors["points"] = "a whole number, e.g. 200 or -50"
        amount = 0
    if len(reason.strip()) > REASON_MAX:
        errors["reason"] = f"at most {REASON_MAX} characters"
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
            errors = {e.field: e.reason for e in exc.errors}
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


@router.get("/loyalty/rewards", response_class=HTMLResponse)
def rewards_page(request: Request, staff: CurrentStaff, session: SessionDep) -> HTMLResponse:
    config = program_config(session, staff.shop.id)
    return render(
        request, "loyalty/rewards.html", {"tab": "rewards", "rewards": config.rewards}, staff=staff
    )


@router.get("/loyalty/coupons", response_class=HTMLResponse)
def coupons_page(request: Request, staff: CurrentStaff, session: SessionDep) -> HTMLResponse:
    from careloop.loyalty.store_ui import store_notice

    found = coupons_of(session, staff.shop.id)[:200]
    store = store_notice(session, staff.shop.id)
    return render(
        request,
        "loyalty/coupons.html",
        {"tab": "coupons", "coupons": found, "store": store},
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
