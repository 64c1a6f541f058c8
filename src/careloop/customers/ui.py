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
from careloop.customers.merge import MERGED, merge_customers, merge_undone, undo_merge
from careloop.customers.models import Customer
from careloop.customers.service import get_customer, get_customer_by_id
from careloop.web.deps import Ctx, SessionDep
from careloop.web.i18n import register_messages
from careloop.web.ui.customers import register_customer_panel
from careloop.web.ui.deps import CurrentStaff, OwnerStaff, StaffContext
from careloop.web.ui.templating import render

router = APIRouter()
RECENT_MERGES = 20
PANEL_DUPLICATES = 10

register_messages(
    {
        "identity.title": {"en": "Possible duplicates", "vi": "Có thể trùng khách hàng"},
        "identity.intro": {
            "en": "Customers that may be one person but were not linked on their own: the same "
            "phone with different names (a family may share a phone), or the same email with "
            "different phones. Merge them if they are one person.",
            "vi": "Các khách hàng có thể là một người nhưng chưa được tự động gộp: cùng số điện "
            "thoại nhưng khác tên (cả nhà có thể dùng chung một số), hoặc cùng email nhưng khác "
            "số điện thoại. Hãy gộp nếu đó là cùng một người.",
        },
        "identity.none": {
            "en": "No possible duplicates. Customers with the same platform id, the same phone "
            "and name, or the same email are linked automatically.",
            "vi": "Không có khách hàng nào có thể trùng. Khách có cùng mã trên nền tảng, cùng số "
            "điện thoại và tên, hoặc cùng email được tự động liên kết.",
        },
        "identity.reason.phone": {
            "en": "Same phone, different names",
            "vi": "Cùng số điện thoại, khác tên",
        },
        "identity.reason.email": {
            "en": "Same email, different phones",
            "vi": "Cùng email, khác số điện thoại",
        },
        "identity.keep": {"en": "Keep {name}, merge the other", "vi": "Giữ {name}, gộp người kia"},
        "identity.confirm": {
            "en": "Merge these two customers? Orders, messages, points and tickets move to the "
            "one you keep. You can undo it from the merge history.",
            "vi": "Gộp hai khách hàng này? Đơn hàng, tin nhắn, điểm và phiếu hỗ trợ sẽ chuyển "
            "sang khách được giữ. Bạn có thể hoàn tác trong lịch sử gộp.",
        },
        "identity.history": {"en": "Merge history", "vi": "Lịch sử gộp"},
        "identity.merged_into": {
            "en": "{duplicate} merged into {survivor} by {actor}",
            "vi": "{duplicate} đã gộp vào {survivor} bởi {actor}",
        },
        "identity.undo": {"en": "Undo merge", "vi": "Hoàn tác gộp"},
        "identity.undone": {"en": "Undone", "vi": "Đã hoàn tác"},
        "identity.merged_notice": {
            "en": "Merged {duplicate} into this customer.",
            "vi": "Đã gộp {duplicate} vào khách hàng này.",
        },
        "identity.undone_notice": {
            "en": "The merge was undone: {duplicate} is a separate customer again.",
            "vi": "Đã hoàn tác: {duplicate} lại là một khách hàng riêng.",
        },
        "identity.panel": {"en": "Same person?", "vi": "Cùng một người?"},
        "identity.linked_ids": {"en": "Also known as", "vi": "Mã liên kết khác"},
        "identity.matched_on.phone": {"en": "same phone", "vi": "cùng số điện thoại"},
        "identity.matched_on.email": {"en": "same email", "vi": "cùng email"},
        "identity.matched_on.merge": {"en": "merged by staff", "vi": "nhân viên đã gộp"},
        "identity.merge_here": {"en": "Merge into this customer", "vi": "Gộp vào khách này"},
        "identity.merge_id": {
            "en": "Customer id to merge into this one",
            "vi": "Mã khách hàng cần gộp vào khách này",
        },
        "identity.merge_button": {"en": "Merge", "vi": "Gộp"},
        "identity.error": {"en": "Not merged: {reason}", "vi": "Chưa gộp được: {reason}"},
    }
)


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
    except CareloopError as exc:
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


register_customer_panel("identity", "customers/_identity_panel.html", identity_panel, order=5)
