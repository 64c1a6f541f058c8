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
from careloop.web.ui.deps import AgentStaff

router = APIRouter()


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
