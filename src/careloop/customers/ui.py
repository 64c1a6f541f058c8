"""Staff pages for one-person-one-customer: the possible duplicates list, the customer
page's "Same person?" panel with the owner's merge, and undoing a merge from its log."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.audit.models import AuditEntry
from careloop.core.errors import CareloopError, NotFound
from careloop.customers import identity
from careloop.customers.merge import (
    MERGED,
    MergeRefused,
    merge_customers,
    merge_undone,
    undo_merge,
)
from careloop.customers.models import Customer
from careloop.customers.service import get_customer, get_customer_by_id
from careloop.web.deps import Ctx, SessionDep
from careloop.web.ui.deps import CurrentStaff, OwnerStaff, StaffContext
from careloop.web.ui.templating import render

router = APIRouter()
RECENT_MERGES = 20
PANEL_DUPLICATES = 10


@router.get("/customers/duplicates", response_class=HTMLResponse)
def duplicates_page(
    request: Request, staff: CurrentStaff, session: SessionDep, error: str = ""
) -> HTMLResponse:
    context = {
        "pairs": identity.possible_duplicates(session, staff.shop.id),
        "merges": _recent_merges(session, staff.shop.id),
        "error": error[:300],
    }
    return render(request, "customers/duplicates.html", context, staff=staff)


@router.post("/customers/{customer_id}/merge", response_model=None)
def merge_into(
    request: Request,
    ctx: Ctx,
    staff: OwnerStaff,
    session: SessionDep,
    customer_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    duplicate: Annotated[str, Form(max_length=200)] = "",
    back: Annotated[str, Form(max_length=20)] = "customer",
) -> RedirectResponse:
    """The owner merges `duplicate` (an internal id from a list, or any customer id typed
    in) into this customer; the customer page then offers to undo it. A refusal is shown,
    with its reason, on the duplicates page."""
    survivor = get_customer_by_id(session, staff.shop, customer_id)
    try:
        other = _customer_by_ref(session, staff, duplicate.strip())
        entry = merge_customers(
            session=session,
            clock=ctx.clock,
            shop=staff.shop,
            survivor=survivor,
            duplicate=other,
            actor=f"staff:{staff.user.email}",
            origin=request.client.host if request.client else "",
        )
    except CareloopError as exc:
        return RedirectResponse(f"/customers/duplicates?error={_quote(str(exc))}", status_code=303)
    target = "/customers/duplicates" if back == "duplicates" else f"/customers/{survivor.id}"
    return RedirectResponse(f"{target}?merged={entry.id}", status_code=303)


@router.post("/customers/merges/{entry_id}/undo", response_model=None)
def undo(
    request: Request,
    ctx: Ctx,
    staff: OwnerStaff,
    session: SessionDep,
    entry_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
) -> RedirectResponse:
    try:
        entry = undo_merge(
            session=session,
            clock=ctx.clock,
            shop=staff.shop,
            entry_id=entry_id,
            actor=f"staff:{staff.user.email}",
            origin=request.client.host if request.client else "",
        )
    except MergeRefused as exc:  # another shop's (or no) merge stays a 404
        return RedirectResponse(f"/customers/duplicates?error={_quote(str(exc))}", status_code=303)
    return RedirectResponse(
        f"/customers/{entry.detail['duplicate']}?undone={entry_id}", status_code=303
    )


def _customer_by_ref(session: Session, staff: StaffContext, ref: str) -> Customer:
    if not ref:
        raise NotFound("customer", ref)
    if ref.isdigit():
        try:
            return get_customer_by_id(session, staff.shop, int(ref))
        except NotFound:
            pass  # not an internal id: maybe the shop's own numeric id
    return get_customer(session, staff.shop, ref)


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text[:200])


def _recent_merges(session: Session, shop_id: int) -> list[dict[str, Any]]:
    entries = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.shop_id == shop_id, AuditEntry.action == MERGED)
        .order_by(AuditEntry.id.desc())
        .limit(RECENT_MERGES)
    )
    out: list[dict[str, Any]] = []
    for entry in entries:
        survivor = session.get(Customer, int(entry.detail.get("survivor", 0)))
        duplicate = entry.detail.get("duplicate", {})
        out.append(
            {
                "entry": entry,
                "survivor": survivor,
                "duplicate": duplicate.get("name") or duplicate.get("external_id", ""),
                "undone": merge_undone(session, shop_id, entry.id),
            }
        )
    return out


def identity_panel(session: Session, staff: StaffContext, customer: Customer) -> Mapping[str, Any]:
    """Linked ids, this customer's possible duplicates, and the last merge to undo."""
    pairs = identity.duplicates_of(session, customer, limit=PANEL_DUPLICATES)
    last = session.scalar(
        select(AuditEntry)
        .where(
            AuditEntry.shop_id == staff.shop.id,
            AuditEntry.action == MERGED,
            AuditEntry.target == f"customer:{customer.id}",
        )
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    if last is not None and merge_undone(session, staff.shop.id, last.id):
        last = None
    duplicate = last.detail.get("duplicate", {}) if last is not None else {}
    return {
        "linked": identity.identities_of(session, customer.id),
        "duplicates": pairs,
        "last_merge": last,
        "last_merged_name": duplicate.get("name") or duplicate.get("external_id", ""),
    }
