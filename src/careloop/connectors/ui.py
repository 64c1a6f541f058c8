"""The connectors page: each platform's webhook URL and secret to paste into it, the
deliveries that need attention (signed but not applicable, with the reason and a retry
button), and the last deliveries with their result."""

from __future__ import annotations

import json
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from careloop.audit.service import audit
from careloop.connectors import discounts
from careloop.connectors.platforms import PLATFORMS
from careloop.connectors.service import (
    add_connector,
    connectors_of,
    find_connector,
    needs_attention,
    recent_deliveries,
    replay_delivery,
)
from careloop.core.errors import NotFound, ValidationFailed
from careloop.web.deps import Ctx, SessionDep
from careloop.web.ui.deps import AgentStaff, CurrentStaff, OwnerStaff, StaffContext
from careloop.web.ui.nav import register_nav
from careloop.web.ui.templating import render

router = APIRouter()
register_nav("connectors", "Connectors", "Kết nối", "/settings/connectors", "viewer", 80)

TEXTS = {
    "en": {
        "title": "Connectors",
        "subtitle": "Point your shop platform's webhooks here; orders flow in within seconds.",
        "url": "Webhook URL",
        "secret": "Signing secret",
        "connect": "Connect",
        "save": "Save",
        "platform": "Platform",
        "mapping": "Field mapping (JSON, generic only)",
        "deliveries": "Last deliveries",
        "none": "No connector yet. Pick your platform below, paste the secret it shows you, "
        "then paste the webhook URL into the platform.",
        "no_deliveries": "Nothing received yet.",
        "received": "Received",
        "topic": "Topic",
        "result": "Result",
        "replay": "Replay",
        "owner_only": "Only the owner can see secrets and change connectors.",
        "generate": "Leave empty to generate one",
        "where": "Where to set it up",
        "verify_token": "Verify token (Haravan app registration)",
        "attention": "Needs attention",
        "attention_help": "These deliveries were received and stored, but could not be "
        "applied. Fix the cause (the mapping, the missing order or customer), then retry.",
        "no_attention": "Nothing waiting: every delivery was applied.",
        "reason": "Reason",
        "retry": "Retry",
        "disabled": "Disabled",
        "disabled_help": "The platform said the app was uninstalled. Orders wait under "
        "Needs attention; save this connector again to switch it back on.",
        "deletion_due": "The shop's customer and order data will be deleted at",
        "api": "Store API access (coupon codes)",
        "api_on": "On: every coupon code Careloop issues is created in this store before "
        "its message is sent, and used up here when redeemed in Careloop.",
        "api_off": "Off: coupon codes are not in the store; enter them by hand (CSV export on "
        "the Coupons page) or add API access here.",
        "api_help": "Write-only: saved values are never shown; leave a field empty to keep it.",
        "api_base_url": "Store address (https://...)",
        "api_token": "Admin API access token",
        "api_key": "API key (consumer key)",
        "api_secret": "API secret (consumer secret)",
        "api_saved": "saved",
        "api_save": "Save API access",
        "api_remove": "Remove API access",
    },
    "vi": {
        "title": "Kết nối",
        "subtitle": "Trỏ webhook của nền tảng bán hàng về đây; đơn hàng về ngay sau vài giây.",
        "url": "Địa chỉ webhook",
        "secret": "Khóa ký (secret)",
        "connect": "Kết nối",
        "save": "Lưu",
        "platform": "Nền tảng",
        "mapping": "Ánh xạ trường (JSON, chỉ cho loại chung)",
        "deliveries": "Lần nhận gần đây",
        "none": "Chưa có kết nối. Chọn nền tảng bên dưới, dán khóa ký mà nền tảng cung cấp, "
        "rồi dán địa chỉ webhook vào nền tảng.",
        "no_deliveries": "Chưa nhận được gì.",
        "received": "Lúc nhận",
        "topic": "Loại",
        "result": "Kết quả",
        "replay": "Chạy lại",
        "owner_only": "Chỉ chủ shop mới xem được khóa và thay đổi kết nối.",
        "generate": "Để trống để tạo tự động",
        "where": "Cài đặt tại",
        "verify_token": "Mã xác minh (đăng ký ứng dụng Haravan)",
        "attention": "Cần xử lý",
        "attention_help": "Các lần nhận này đã được lưu nhưng chưa áp dụng được. Sửa nguyên "
        "nhân (ánh xạ, đơn hàng hoặc khách hàng còn thiếu) rồi bấm thử lại.",
        "no_attention": "Không có gì chờ xử lý: mọi lần nhận đều đã được áp dụng.",
        "reason": "Lý do",
        "retry": "Thử lại",
        "disabled": "Đã tắt",
        "disabled_help": "Nền tảng báo ứng dụng đã bị gỡ. Đơn hàng chờ trong mục Cần xử lý; "
        "lưu lại kết nối này để bật lại.",
        "deletion_due": "Dữ liệu khách hàng và đơn hàng của cửa hàng sẽ bị xoá lúc",
        "api": "Quyền API cửa hàng (mã giảm giá)",
        "api_on": "Bật: mọi mã giảm giá Careloop phát ra được tạo trên cửa hàng này trước khi "
        "gửi tin, và bị vô hiệu ở đây khi đã dùng trong Careloop.",
        "api_off": "Tắt: mã giảm giá chưa có trên cửa hàng; hãy nhập tay (xuất CSV ở trang Mã "
        "giảm giá) hoặc thêm quyền API tại đây.",
        "api_help": "Chỉ ghi: giá trị đã lưu không bao giờ hiện lại; để trống để giữ nguyên.",
        "api_base_url": "Địa chỉ cửa hàng (https://...)",
        "api_token": "Mã truy cập Admin API (access token)",
        "api_key": "Khóa API (consumer key)",
        "api_secret": "Mật khẩu API (consumer secret)",
        "api_saved": "đã lưu",
        "api_save": "Lưu quyền API",
        "api_remove": "Xóa quyền API",
    },
}


def _page(
    request: Request, staff: StaffContext, session: SessionDep, ctx: Ctx, error: str = ""
) -> Response:
    base = ctx.settings.base_url.rstrip("/")
    connectors = [
        {
            "platform": c.platform,
            "label": PLATFORMS[c.platform].label,
            "docs": PLATFORMS[c.platform].docs,
            "url": f"{base}/api/v1/webhooks/{c.platform}/{staff.shop.slug}",
            "secret": c.secret if staff.can("owner") else None,
            "signature_header": PLATFORMS[c.platform].signature_header,
            "verify_token": c.verify_token if staff.can("owner") else None,
            "disabled_at": c.disabled_at,
            "deletion_due_at": c.data_deletion_due_at,
            "api_fields": discounts.CREDENTIAL_FIELDS.get(c.platform, ()),
            "api_saved": sorted(k for k, v in (c.api_credentials or {}).items() if v),
            "api_on": discounts.credentials_of(c.platform, c.api_credentials) is not None,
        }
        for c in connectors_of(session, staff.shop.id)
    ]
    return render(
        request,
        "connectors/page.html",
        {
            "t": TEXTS["vi" if staff.locale == "vi" else "en"],
            "connectors": connectors,
            "platforms": PLATFORMS,
            "deliveries": recent_deliveries(session, staff.shop.id),
            "attention": needs_attention(session, staff.shop.id),
            "error": error,
        },
        staff=staff,
        status_code=422 if error else 200,
    )


@router.get("/settings/connectors")
def connectors_page(
    request: Request, staff: CurrentStaff, session: SessionDep, ctx: Ctx
) -> Response:
    return _page(request, staff, session, ctx)


@router.post("/settings/connectors")
def save_connector(
    request: Request,
    staff: OwnerStaff,
    session: SessionDep,
    ctx: Ctx,
    platform: Annotated[str, Form()],
    secret: Annotated[str, Form()] = "",
    mapping: Annotated[str, Form()] = "",
    verify_token: Annotated[str, Form()] = "",
) -> Response:
    try:
        fields = json.loads(mapping) if mapping.strip() else None
    except json.JSONDecodeError as exc:
        return _page(request, staff, session, ctx, error=f"mapping: not valid JSON ({exc.msg})")
    try:
        add_connector(
            session=session,
            clock=ctx.clock,
            shop=staff.shop,
            platform=platform,
            secret=secret.strip() or secrets.token_urlsafe(24),
            mapping=fields,
            verify_token=verify_token.strip()
            or (secrets.token_urlsafe(16) if platform == "haravan" else ""),
        )
    except ValidationFailed as exc:
        return _page(request, staff, session, ctx, error="; ".join(str(e) for e in exc.errors))
    audit(
        session=session,
        clock=ctx.clock,
        shop_id=staff.shop.id,
        actor=f"staff:{staff.user.email}",
        action="connector.saved",
        target=f"connector:{platform}",
        origin=request.client.host if request.client else "",
    )
    return RedirectResponse("/settings/connectors", status_code=303)


@router.post("/settings/connectors/deliveries/{delivery_id}/replay")
def replay(
    delivery_id: int, request: Request, staff: AgentStaff, session: SessionDep, ctx: Ctx
) -> Response:
    replay_delivery(session=session, clock=ctx.clock, shop=staff.shop, delivery_pk=delivery_id)
    audit(
        session=session,
        clock=ctx.clock,
        shop_id=staff.shop.id,
        actor=f"staff:{staff.user.email}",
        action="webhook.replayed",
        target=f"delivery:{delivery_id}",
        origin=request.client.host if request.client else "",
    )
    return RedirectResponse("/settings/connectors", status_code=303)


@router.post("/settings/connectors/{platform}/api")
def save_api_access(
    platform: str,
    request: Request,
    staff: OwnerStaff,
    session: SessionDep,
    ctx: Ctx,
    base_url: Annotated[str, Form()] = "",
    token: Annotated[str, Form()] = "",
    key: Annotated[str, Form()] = "",
    secret: Annotated[str, Form()] = "",
    remove: Annotated[str, Form()] = "",
) -> Response:
    """The connector's store API credentials (write-only; an empty field keeps its value)."""
    connector = find_connector(session, staff.shop.id, platform)
    if connector is None or platform not in discounts.CREDENTIAL_FIELDS:
        raise NotFound("connector", platform)
    values = {"base_url": base_url, "token": token, "key": key, "secret": secret}
    try:
        discounts.save_credentials(connector, values, clear=bool(remove))
    except ValidationFailed as exc:
        return _page(request, staff, session, ctx, error="; ".join(str(e) for e in exc.errors))
    connector.updated_at = ctx.clock.now()
    audit(
        session=session,
        clock=ctx.clock,
        shop_id=staff.shop.id,
        actor=f"staff:{staff.user.email}",
        action="connector.api_removed" if remove else "connector.api_saved",
        target=f"connector:{platform}",
        origin=request.client.host if request.client else "",
    )
    return RedirectResponse("/settings/connectors", status_code=303)
