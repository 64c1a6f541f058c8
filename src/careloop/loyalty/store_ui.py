"""The coupon page's store parts: whether codes reach the shop's store (and why one did
not), "try the store again", and the CSV of codes to enter by hand when the shop gave no
store API access."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from careloop.audit.service import audit
from careloop.loyalty.code_export import codes_csv, codes_to_enter
from careloop.loyalty.coupons import get_coupon
from careloop.loyalty.store_codes import retry_now, store_connector
from careloop.web.deps import Ctx, SessionDep
from careloop.web.i18n import register_messages
from careloop.web.ui.deps import AgentStaff

router = APIRouter()

register_messages(
    {
        "loyalty.store": {"en": "In the store", "vi": "Trên cửa hàng"},
        "loyalty.store_on": {
            "en": "Codes are created in your {platform} store before their message is sent; "
            "a message waits while its code is not there yet.",
            "vi": "Mã được tạo trên cửa hàng {platform} trước khi gửi tin; tin nhắn sẽ chờ "
            "cho đến khi mã có trên cửa hàng.",
        },
        "loyalty.store_off": {
            "en": "Your store does not know these codes: Careloop has no API access to it. "
            "Enter them in your store by hand (download the CSV for bulk upload), or add "
            "store API access on the Connectors page so codes are created there automatically.",
            "vi": "Cửa hàng của bạn chưa có các mã này: Careloop chưa có quyền API vào cửa hàng. "
            "Hãy nhập mã vào cửa hàng bằng tay (tải CSV để nhập hàng loạt), hoặc thêm quyền API "
            "ở trang Kết nối để mã được tạo tự động.",
        },
        "loyalty.store_csv": {"en": "Download codes (CSV)", "vi": "Tải mã (CSV)"},
        "loyalty.store_connectors": {"en": "Connectors", "vi": "Kết nối"},
        "loyalty.store_retry": {"en": "Try the store again", "vi": "Thử lại với cửa hàng"},
        "loyalty.store.none": {"en": "enter by hand", "vi": "nhập tay"},
        "loyalty.store.pending": {"en": "being created", "vi": "đang tạo"},
        "loyalty.store.refused": {"en": "refused", "vi": "bị từ chối"},
        "loyalty.store.synced": {"en": "created", "vi": "đã tạo"},
        "loyalty.store.use_up": {"en": "being used up", "vi": "đang vô hiệu"},
        "loyalty.store.used_up": {"en": "used up", "vi": "đã vô hiệu"},
    }
)


@dataclass(frozen=True)
class StoreNotice:
    """What the coupon page says about the store: connected (and which) or by hand."""

    connected: bool
    platform: str = ""


def store_notice(session: Session, shop_id: int) -> StoreNotice:
    found = store_connector(session, shop_id)
    if found is None:
        return StoreNotice(connected=False)
    return StoreNotice(connected=True, platform=found[0].platform.capitalize())


@router.get("/loyalty/coupons.csv")
def coupons_csv(staff: AgentStaff, session: SessionDep, ctx: Ctx) -> Response:
    rows = codes_to_enter(session, staff.shop.id, ctx.clock.now())
    return Response(
        codes_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{staff.shop.slug}-coupon-codes.csv"'
        },
    )


@router.post("/loyalty/coupons/{code}/store-retry")
def store_retry(
    code: str, request: Request, staff: AgentStaff, session: SessionDep, ctx: Ctx
) -> Response:
    coupon = get_coupon(session, staff.shop.id, code)
    retry_now(session, ctx.clock, coupon)
    audit(
        session=session,
        clock=ctx.clock,
        shop_id=staff.shop.id,
        actor=f"staff:{staff.user.email}",
        action="loyalty.coupon_store_retry",
        target=f"coupon:{coupon.code}",
        origin=request.client.host if request.client else "",
    )
    return RedirectResponse("/loyalty/coupons", status_code=303)
