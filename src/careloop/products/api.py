"""REST routes of the catalogue: list, read, create-or-update by sku, partial update."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from careloop.products.schemas import ProductIn, ProductPage, ProductPatch, ProductPublic
from careloop.products.service import (
    MAX_PAGE,
    get_product,
    list_products,
    product_public,
    save_product,
    update_product,
)
from careloop.web.deps import ApiShop, Ctx, SessionDep

router = APIRouter(tags=["products"])


@router.get("/products", response_model=ProductPage)
def read_products(
    shop: ApiShop,
    session: SessionDep,
    q: Annotated[str, Query(max_length=100, description="Part of a sku, name or category.")] = "",
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ProductPage:
    products, total = list_products(session, shop, search=q, limit=limit, offset=offset)
    items = [product_public(p, shop.currency) for p in products]
    return ProductPage(items=items, total=total, limit=limit, offset=offset)


@router.get("/products/{sku}", response_model=ProductPublic)
def read_product(sku: str, shop: ApiShop, session: SessionDep) -> ProductPublic:
    return product_public(get_product(session, shop, sku), shop.currency)


@router.post("/products", response_model=ProductPublic)
def post_product(data: ProductIn, shop: ApiShop, session: SessionDep, ctx: Ctx) -> ProductPublic:
    """Create the product or update the one with this `sku`: sending it twice stores it once;
    fields left out keep their stored values, null clears them."""
    product = save_product(session=session, clock=ctx.clock, shop=shop, data=data)
    return product_public(product, shop.currency)


@router.patch("/products/{sku}", response_model=ProductPublic)
def patch_product(
    sku: str, data: ProductPatch, shop: ApiShop, session: SessionDep, ctx: Ctx
) -> ProductPublic:
    """Change some fields of a stored product (404 if the sku is unknown)."""
    product = update_product(session=session, clock=ctx.clock, shop=shop, sku=sku, data=data)
    return product_public(product, shop.currency)
