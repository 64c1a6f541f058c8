"""REST routes of customers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Path, Request
from pydantic import BaseModel

from careloop.customers.schemas import CustomerIn, CustomerPublic, ExternalId
from careloop.customers.service import (
    customer_public,
    get_customer,
    get_customer_by_id,
    upsert_customer,
)
from careloop.web.deps import ApiShop, Ctx, SessionDep

router = APIRouter(tags=["customers"])


@router.post("/customers", response_model=CustomerPublic)
def post_customer(data: CustomerIn, shop: ApiShop, session: SessionDep, ctx: Ctx) -> CustomerPublic:
    """Create or update a customer by `customer_id`; sending the same body twice is harmless."""
    result = upsert_customer(session=session, clock=ctx.clock, shop=shop, data=data, source="api")
    return customer_public(session, shop, result.customer)


@router.get("/customers/{customer_id}", response_model=CustomerPublic)
def read_customer(customer_id: str, shop: ApiShop, session: SessionDep) -> CustomerPublic:
    return customer_public(session, shop, get_customer(session, shop, customer_id))


@router.get("/customers/{customer_id}/export")
def export_customer(customer_id: str, shop: ApiShop, session: SessionDep) -> dict[str, Any]:
    """Everything held about one customer (a data-subject access request), as JSON."""
    from careloop.customers.export import export_customer_data

    return export_customer_data(session, shop, customer_id)


@router.delete("/customers/{customer_id}")
@router.post("/customers/{customer_id}/erase")
def erase(
    customer_id: str,
    request: Request,
    shop: ApiShop,
    session: SessionDep,
    ctx: Ctx,
    after: BackgroundTasks,
) -> dict[str, Any]:
    """Remove the person's personal data (this record and their duplicates); orders and
    scores stay, anonymous. Logged. `DELETE` and `POST .../erase` are the same."""
    from careloop.customers.erasure import erase_customer, overwrite_freed_pages

    report = erase_customer(
        session=session,
        clock=ctx.clock,
        shop=shop,
        external_id=customer_id,
        actor="api",
        origin=request.client.host if request.client else "",
    )
    # Runs after the response, once the request's transaction has committed.
    after.add_task(overwrite_freed_pages, ctx.engine)
    return {"erased": customer_id, "records": report.records, "scrubbed": report.scrubbed}


class MergeIn(BaseModel):
    """The duplicate record to fold into the customer named in the path."""

    duplicate_id: ExternalId


class MergeOut(BaseModel):
    customer: CustomerPublic
    merge_id: int  # the audit entry; POST /customers/merges/{merge_id}/undo reverses it


@router.post("/customers/{customer_id}/merge", response_model=MergeOut)
def merge(
    customer_id: str, data: MergeIn, request: Request, shop: ApiShop, session: SessionDep, ctx: Ctx
) -> MergeOut:
    """Merge `duplicate_id` into this customer: everything of the duplicate moves here, its
    id stays linked, the more restrictive consent wins. Audited; undo with the merge id."""
    from careloop.customers.merge import merge_customers

    survivor = get_customer(session, shop, customer_id)
    duplicate = get_customer(session, shop, data.duplicate_id)
    entry = merge_customers(
        session=session,
        clock=ctx.clock,
        shop=shop,
        survivor=survivor,
        duplicate=duplicate,
        actor="api",
        origin=request.client.host if request.client else "",
    )
    return MergeOut(customer=customer_public(session, shop, survivor), merge_id=entry.id)


@router.post("/customers/merges/{merge_id}/undo", response_model=CustomerPublic)
def undo(
    merge_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    request: Request,
    shop: ApiShop,
    session: SessionDep,
    ctx: Ctx,
) -> CustomerPublic:
    """Undo a merge: the duplicate comes back with what was moved from it."""
    from careloop.customers.merge import undo_merge

    undone = undo_merge(
        session=session,
        clock=ctx.clock,
        shop=shop,
        entry_id=merge_id,
        actor="api",
        origin=request.client.host if request.client else "",
    )
    return customer_public(
        session, shop, get_customer_by_id(session, shop, int(undone.detail["duplicate"]))
    )
