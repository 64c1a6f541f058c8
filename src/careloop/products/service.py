"""Use cases of the catalogue: save (create or update by sku), update, read, list, and the
care data a journey reads for a sku (a variant completed from its parent)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from careloop.core.clock import Clock
from careloop.core.errors import FieldError, NotFound, ValidationFailed
from careloop.core.money import to_major, to_minor
from careloop.orders.models import Product
from careloop.products.care import Care
from careloop.products.schemas import ProductIn, ProductPatch, ProductPublic, given
from careloop.shops.models import Shop

# API/CSV field -> Product column, where the names differ (the vi guide predates the en one).
COLUMN_OF: Final = {
    "care_guide_vi": "care_guide_text",
    "care_guide_en": "care_guide_text_en",
    "care_guide_url_vi": "care_guide_url",
    "care_guide_url_en": "care_guide_url_en",
    "price": "price_minor",
}
MAX_PAGE: Final = 200


def apply_fields(product: Product, fields: Mapping[str, Any], currency: str) -> None:
    """Write the given fields onto `product` (validated values; None clears)."""
    for name, value in fields.items():
        if name == "price":
            value = None if value is None else to_minor(Decimal(value), currency)
        elif name == "related_skus" and value is not None:
            value = list(value)
        elif name == "name" and value is None:
            continue  # a product always has a name
        setattr(product, COLUMN_OF.get(name, name), value)


def save_product(*, session: Session, clock: Clock, shop: Shop, data: ProductIn) -> Product:
    """Create the product, or update the one with this sku (absent fields unchanged)."""
    product = find_product(session, shop, data.sku)
    now = clock.now()
    if product is None:
        product = Product(shop_id=shop.id, sku=data.sku, name=data.name or data.sku, created_at=now)
        session.add(product)
    else:
        product.updated_at = now
    apply_fields(product, given(data), shop.currency)
    session.flush()
    return product


def update_product(
    *, session: Session, clock: Clock, shop: Shop, sku: str, data: ProductPatch
) -> Product:
    product = get_product(session, shop, sku)
    if data.parent_sku is not None and data.parent_sku == sku:
        raise ValidationFailed([FieldError("parent_sku", "a product cannot be its own parent")])
    if data.related_skus and sku in data.related_skus:
        raise ValidationFailed(
            [FieldError("related_skus", "a product cannot be related to itself")]
        )
    apply_fields(product, given(data), shop.currency)
    product.updated_at = clock.now()
    session.flush()
    return product


def find_product(session: Session, shop: Shop, sku: str) -> Product | None:
    return session.scalar(select(Product).where(Product.shop_id == shop.id, Product.sku == sku))


def get_product(session: Session, shop: Shop, sku: str) -> Product:
    product = find_product(session, shop, sku)
    if product is None:
        raise NotFound("product", sku)
    return product


def list_products(
    session: Session, shop: Shop, *, search: str = "", limit: int = 50, offset: int = 0
) -> tuple[list[Product], int]:
    """A page of products by sku; `search` matches sku, name or category (any case)."""
    where = [Product.shop_id == shop.id]
    if search.strip():
        like = f"%{search.strip().lower()}%"
        where.append(
            or_(
                func.lower(Product.sku).like(like),
                func.lower(Product.name).like(like),
                func.lower(func.coalesce(Product.category, "")).like(like),
            )
        )
    total = int(session.scalar(select(func.count(Product.id)).where(*where)) or 0)
    rows = session.scalars(
        select(Product)
        .where(*where)
        .order_by(Product.sku)
        .limit(max(1, min(limit, MAX_PAGE)))
        .offset(max(0, offset))
    )
    return list(rows), total


def product_public(product: Product, currency: str) -> ProductPublic:
    price = None if product.price_minor is None else str(to_major(product.price_minor, currency))
    return ProductPublic(
        sku=product.sku,
        name=product.name,
        category=product.category,
        parent_sku=product.parent_sku,
        price=price,
        usage_days=product.usage_days,
        warranty_months=product.warranty_months,
        warranty_days=product.warranty_days,
        maintenance_interval_days=product.maintenance_interval_days,
        care_guide_vi=product.care_guide_text,
        care_guide_en=product.care_guide_text_en,
        care_guide_url_vi=product.care_guide_url,
        care_guide_url_en=product.care_guide_url_en,
        related_skus=list(product.related_skus or []),
        created_at=product.created_at,
        updated_at=product.updated_at,
    )


def care_of(product: Product) -> Care:
    return Care(
        sku=product.sku,
        name=product.name,
        category=product.category,
        usage_days=product.usage_days,
        warranty_months=product.warranty_months,
        warranty_days=product.warranty_days,
        maintenance_interval_days=product.maintenance_interval_days,
        care_guide_vi=product.care_guide_text,
        care_guide_en=product.care_guide_text_en,
        care_guide_url_vi=product.care_guide_url,
        care_guide_url_en=product.care_guide_url_en,
        related_skus=tuple(product.related_skus or ()),
    )


def care_for(session: Session, shop_id: int, sku: str) -> Care | None:
    """The care data of `sku`, a variant's gaps filled from its parent; None if unknown."""
    product = session.scalar(select(Product).where(Product.shop_id == shop_id, Product.sku == sku))
    if product is None:
        return None
    care = care_of(product)
    if product.parent_sku and product.parent_sku != sku:
        parent = session.scalar(
            select(Product).where(Product.shop_id == shop_id, Product.sku == product.parent_sku)
        )
        care = care.inherit(care_of(parent) if parent is not None else None)
    return care


def names_of(session: Session, shop_id: int, skus: list[str]) -> dict[str, str]:
    """Product names by sku, for the skus the catalogue knows."""
    if not skus:
        return {}
    rows = session.execute(
        select(Product.sku, Product.name).where(Product.shop_id == shop_id, Product.sku.in_(skus))
    )
    return {sku: name for sku, name in rows}
