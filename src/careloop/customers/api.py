"""REST routes of customers."""

from __future__ import annotations

from fastapi import APIRouter

from careloop.customers.schemas import CustomerIn, CustomerPublic
from careloop.customers.service import customer_public, get_customer, upsert_customer
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
