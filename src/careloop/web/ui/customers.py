"""Customers: the searchable list and the customer page (profile, consents, orders, timeline)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from careloop.core import events
from careloop.core.errors import NotFound
from careloop.customers.models import CONSENT_STATES, Customer
from careloop.customers.service import MARKETING_CHANNELS, consents_of, get_customer_by_id
from careloop.customers.timeline import record_event, timeline_for
from careloop.loyalty.tier_names import shop_tier_labels
from careloop.segments.rfm import SEGMENTS
from careloop.web.deps import Ctx, SessionDep
from careloop.web.paging import MAX_PAGE, page_out_of_range
from careloop.web.ui.customer_filters import CustomerFilters, filter_customers, tiers_in_use
from careloop.web.ui.deps import AgentStaff, CurrentStaff, StaffContext
from careloop.web.ui.queries import customer_rows, order_totals, orders_with_lines
from careloop.web.ui.templating import is_htmx, render

router = APIRouter()


@dataclass(frozen=True)
class CustomerPanel:
    """A box on the customer page's side column, added by another capability."""

    key: str
    template: str
    load: Callable[[Session, StaffContext, Customer], Mapping[str, Any]]
    order: int


@dataclass(frozen=True)
class PanelView:
    key: str
    template: str
    data: Mapping[str, Any]


# Set by careloop.bootstrap from the manifests' `customer_panels` (in order) when it builds
# the staff pages; no page adds itself on import.
_PANELS: tuple[CustomerPanel, ...] = ()


def use_panels(panels: tuple[CustomerPanel, ...]) -> None:
    """The panels every customer page shows from now on, shown in (order, key) order."""
    global _PANELS
    _PANELS = tuple(sorted(panels, key=lambda p: (p.order, p.key)))


PAGE_SIZE = 25
TIMELINE_PAGE_SIZE = 30
NOTE_MAX_CHARS = 2000
MAX_QUERY_CHARS = 200


def _positive_int(value: str | None, default: int = 1) -> int:
    try:
        number = int(value or default)
    except ValueError:
        return default
    return number if number >= 1 else default


def _customer_or_404(session: Session, staff: StaffContext, customer_id: str) -> Customer:
    """The shop's customer by internal id; another shop's id is not found, like a bad id."""
    try:
        wanted = int(customer_id)
    except ValueError:
        raise NotFound("customer", customer_id) from None
    return get_customer_by_id(session, staff.shop, wanted)


@router.get("/customers", response_class=HTMLResponse)
def customers_list(
    request: Request,
    staff: CurrentStaff,
    session: SessionDep,
    q: str = "",
    page: str = "1",
    segment: str = "",
    r: str = "",
    f: str = "",
    tier: str = "",
    tag: str = "",
    consent: str = "",
) -> HTMLResponse:
    query = q.strip()[:MAX_QUERY_CHARS]
    page_no = _positive_int(page)
    if page_no > MAX_PAGE:
        raise page_out_of_range()
    filters = CustomerFilters.parse(segment, r, f, tier, tag, consent)
    found = filter_customers(
        session, staff.shop, query, filters, limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE
    )
    params = {**({"q": query} if query else {}), **filters.params()}
    context = {
        "q": query,
        "filters": filters,
        "filter_query": urlencode(params),
        "page": page_no,
        # A capped count does not know the last page: the pager offers "next" while there is one.
        "pages": page_no + found.has_next
        if found.capped
        else max(1, math.ceil(found.total / PAGE_SIZE)),
        "total": found.total,
        "total_capped": found.capped,
        "rows": customer_rows(session, staff.shop, found.customers),
        "segments": SEGMENTS,
        "tiers": tiers_in_use(session, staff.shop),
        "tier_names": shop_tier_labels(session, staff.shop.id, staff.locale),
        "consent_options": [f"{c}:{s}" for c in MARKETING_CHANNELS for s in CONSENT_STATES],
    }
    if is_htmx(request) and request.headers.get("hx-target") == "customer-results":
        return render(request, "customers/_results.html", context, staff=staff)
    return render(request, "customers/list.html", context, staff=staff)


@router.get("/customers/{customer_id}", response_class=HTMLResponse)
def customer_page(
    request: Request, staff: CurrentStaff, session: SessionDep, customer_id: str
) -> HTMLResponse:
    customer = _customer_or_404(session, staff, customer_id)
    context = _detail_context(session, staff, customer)
    return render(request, "customers/detail.html", context, staff=staff)


@router.get("/customers/{customer_id}/timeline", response_class=HTMLResponse)
def customer_timeline(
    request: Request,
    staff: CurrentStaff,
    session: SessionDep,
    customer_id: str,
    before: str | None = None,
) -> HTMLResponse:
    """The next page of the timeline, as list items (for the "load more" button)."""
    customer = _customer_or_404(session, staff, customer_id)
    before_id = _positive_int(before, default=0) or None
    context = {"customer": customer, **_timeline_context(session, staff, customer, before_id)}
    return render(request, "customers/_timeline_items.html", context, staff=staff)


@router.post("/customers/{customer_id}/notes", response_model=None)
def add_note(
    request: Request,
    ctx: Ctx,
    staff: AgentStaff,
    session: SessionDep,
    customer_id: str,
    text: Annotated[str, Form(max_length=NOTE_MAX_CHARS * 2)] = "",
) -> Response:
    customer = _customer_or_404(session, staff, customer_id)
    note = text.strip()
    error: tuple[str, dict[str, Any]] | None = None
    if not note:
        error = ("customer.note.empty", {})
    elif len(note) > NOTE_MAX_CHARS:
        error = ("customer.note.too_long", {"max": NOTE_MAX_CHARS})
    if error is None:
        record_event(
            session=session,
            clock=ctx.clock,
            shop_id=staff.shop.id,
            customer_id=customer.id,
            type=events.NOTE_ADDED,
            source="staff",
            payload={"text": note, "by": staff.user.email},
            summary=note,
        )
    if is_htmx(request):
        context = {
            "customer": customer,
            "note_error": error,
            "note_text": text if error else "",
            **_timeline_context(session, staff, customer, before=None),
        }
        return render(request, "customers/_timeline.html", context, staff=staff)
    if error is None:
        return RedirectResponse(f"/customers/{customer.id}#timeline", status_code=303)
    context = {**_detail_context(session, staff, customer), "note_error": error, "note_text": text}
    return render(request, "customers/detail.html", context, staff=staff, status_code=422)


def _detail_context(session: Session, staff: StaffContext, customer: Customer) -> dict[str, Any]:
    orders_count, spent_minor = order_totals(session, staff.shop, customer.id)
    return {
        "customer": customer,
        "consents": consents_of(session, customer),
        "orders": orders_with_lines(session, staff.shop, customer.id),
        "orders_count": orders_count,
        "spent_minor": spent_minor,
        "panels": [PanelView(p.key, p.template, p.load(session, staff, customer)) for p in _PANELS],
        **_timeline_context(session, staff, customer, before=None),
    }


def _timeline_context(
    session: Session, staff: StaffContext, customer: Customer, before: int | None
) -> dict[str, Any]:
    rows = timeline_for(
        session,
        shop_id=staff.shop.id,
        customer_id=customer.id,
        limit=TIMELINE_PAGE_SIZE + 1,
        before_id=before,
    )
    more = len(rows) > TIMELINE_PAGE_SIZE
    shown = rows[:TIMELINE_PAGE_SIZE]
    return {"timeline": shown, "timeline_next": shown[-1].id if more and shown else None}
