"""A group's page: who is a member, finding a customer by name or phone to add, and removing
one (asking first). Staff may also add a customer to a group from the customer's page.
Each change is on the customer's timeline (joined/left) and in the audit log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from careloop.audit.service import audit
from careloop.community import groups
from careloop.community.models import CommunityGroup
from careloop.community.ui_forms import Text
from careloop.context import AppContext
from careloop.core.errors import NotFound
from careloop.customers.models import Customer
from careloop.customers.service import search_customers
from careloop.web.deps import Ctx, SessionDep
from careloop.web.ui.deps import AgentStaff, CurrentStaff, StaffContext
from careloop.web.ui.templating import render

router = APIRouter()
# A search shows this many customers; staff narrow it down by typing more.
SEARCH_ROWS = 10


def _audit(
    request: Request,
    session: Session,
    ctx: AppContext,
    staff: StaffContext,
    action: str,
    group: CommunityGroup,
    customer_id: int,
) -> None:
    audit(
        session=session,
        clock=ctx.clock,
        shop_id=staff.shop.id,
        actor=f"staff:{staff.user.email}",
        action=action,
        target=f"group:{group.id}",
        detail={"group": group.name, "platform": group.platform, "customer_id": customer_id},
        origin=request.client.host if request.client else "",
    )


def _back(group_id: int, customer_id: int, back: str) -> RedirectResponse:
    """To the customer's page when the change was made there, else to the group page."""
    if back == "customer":
        return RedirectResponse(f"/customers/{customer_id}", status_code=303)
    return RedirectResponse(f"/community/groups/{group_id}", status_code=303)


@router.get("/community/groups/{group_id}")
def group_page(
    group_id: int, request: Request, staff: CurrentStaff, session: SessionDep, q: str = ""
) -> Response:
    group = groups.get_group(session, staff.shop.id, group_id)
    query = q.strip()[:200]
    found: list[Customer] = []
    joined: set[int] = set()
    if query:
        found, _ = search_customers(session, staff.shop, query, limit=SEARCH_ROWS)
        joined = groups.member_ids(session, staff.shop.id, group.id, [c.id for c in found])
    context: dict[str, Any] = {
        "group": group,
        "members": groups.members_of(session, staff.shop.id, group.id),
        "count": groups.member_count(session, staff.shop.id, group.id),
        "query": query,
        "found": found,
        "joined": joined,
    }
    return render(request, "community/group.html", context, staff=staff)


@router.post("/community/groups/{group_id}/members")
def member_add(
    group_id: int,
    request: Request,
    staff: AgentStaff,
    session: SessionDep,
    ctx: Ctx,
    customer_id: Text = "",
    back: Text = "",
) -> Response:
    group = groups.get_group(session, staff.shop.id, group_id)
    return _add(request, staff, session, ctx, group, _id(customer_id, "customer"), back)


@router.post("/community/groups/{group_id}/members/{customer_id}/remove")
def member_remove(
    group_id: int,
    customer_id: int,
    request: Request,
    staff: AgentStaff,
    session: SessionDep,
    ctx: Ctx,
    back: Text = "",
) -> Response:
    group = groups.get_group(session, staff.shop.id, group_id)
    removed = groups.remove_member(
        session=session,
        clock=ctx.clock,
        shop=staff.shop,
        group_id=group.id,
        customer_id=customer_id,
    )
    if removed:
        _audit(request, session, ctx, staff, "community.member_removed", group, customer_id)
    return _back(group.id, customer_id, back)


@router.post("/community/customers/{customer_id}/groups")
def customer_join(
    customer_id: int,
    request: Request,
    staff: AgentStaff,
    session: SessionDep,
    ctx: Ctx,
    group_id: Text = "",
) -> Response:
    """Add to group, on the customer's page (the group is chosen in a list)."""
    customer = session.get(Customer, customer_id)
    if customer is None or customer.shop_id != staff.shop.id:
        raise NotFound("customer", customer_id)
    group = groups.get_group(session, staff.shop.id, _id(group_id, "group"))
    return _add(request, staff, session, ctx, group, customer.id, "customer")


def _id(raw: str, what: str) -> int:
    """A posted id; anything else is an unknown one (404, nothing changes)."""
    try:
        return int(raw.strip())
    except ValueError:
        raise NotFound(what, raw[:40]) from None


def _add(
    request: Request,
    staff: StaffContext,
    session: Session,
    ctx: AppContext,
    group: CommunityGroup,
    customer_id: int,
    back: str,
) -> Response:
    already = groups.member_ids(session, staff.shop.id, group.id, [customer_id])
    groups.add_member(
        session=session,
        clock=ctx.clock,
        shop=staff.shop,
        group_id=group.id,
        customer_id=customer_id,
        source="staff",
    )
    if not already:  # a double click adds (and logs) once
        _audit(request, session, ctx, staff, "community.member_added", group, customer_id)
    return _back(group.id, customer_id, back)
