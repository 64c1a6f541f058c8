"""The member page's "try the store again" for a privilege the store refused (after staff
fixed the store API access or the customer's link to the store): the worker retries it on
its next pass instead of waiting for its back-off."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from careloop.audit.service import audit
from careloop.core.errors import NotFound
from careloop.loyalty.models import StoreAction
from careloop.loyalty.store_action_sync import retry_now
from careloop.web.deps import Ctx, SessionDep
from careloop.web.ui.deps import AgentStaff

router = APIRouter()


@router.post("/loyalty/members/{customer_id}/store-actions/{action_id}/retry")
def store_action_retry(
    customer_id: int,
    action_id: int,
    request: Request,
    staff: AgentStaff,
    session: SessionDep,
    ctx: Ctx,
) -> Response:
    row = session.get(StoreAction, action_id)
    if row is None or row.shop_id != staff.shop.id or row.customer_id != customer_id:
        raise NotFound("store action", str(action_id))
    retry_now(row, ctx.clock)
    audit(
        session=session,
        clock=ctx.clock,
        shop_id=staff.shop.id,
        actor=f"staff:{staff.user.email}",
        action="loyalty.store_action_retry",
        target=f"store_action:{row.id}",
        origin=request.client.host if request.client else "",
    )
    return RedirectResponse(f"/loyalty/members/{customer_id}", status_code=303)
