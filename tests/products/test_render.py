"""What the shipped cross-sell and maintenance wording says with the catalogue's data: the
related products by name, the product's own care guide; without data, nothing invented."""

from __future__ import annotations

from careloop.channels.render_context import build_context
from careloop.channels.templates import find_source, render_source
from careloop.context import AppContext
from careloop.products.schemas import ProductIn
from careloop.products.service import save_product
from careloop.shops.models import Shop
from tests.loyalty.factories import make_customer, place_order


def _render(
    ctx: AppContext, shop: Shop, key: str, customer_ref: str, extra: dict[str, object]
) -> str:
    from sqlalchemy import select

    from careloop.customers.models import Customer

    with ctx.sessions() as s:
        the_shop = s.merge(shop)
        customer = s.scalars(select(Customer).where(Customer.external_id == customer_ref)).one()
        context = build_context(session=s, shop=the_shop, customer=customer, extra=extra)
        source, _loc = find_source(
            session=s,
            shop_id=shop.id,
            template_key=key,
            channel="email",
            locale=customer.locale or "vi",
        )
    rendered = render_source(source, context)
    return f"{rendered.subject}\n{rendered.text}"


def _catalogue(ctx: AppContext, shop: Shop) -> None:
    with ctx.sessions() as s, s.begin():
        for data in (
            ProductIn(sku="OOLONG-200", name="Trà Ô Long", related_skus=["CUP-1", "POT-1"]),
            ProductIn(sku="CUP-1", name="Tách sứ Bát Tràng"),
            ProductIn(sku="POT-1", name="Ấm tử sa"),
            ProductIn(
                sku="RO", name="Máy lọc RO", maintenance_interval_days=90,
                care_guide_vi="Thay lõi số 1 mỗi 3 tháng.",
            ),
        ):  # fmt: skip
            save_product(session=s, clock=ctx.clock, shop=s.merge(shop), data=data)


def test_the_cross_sell_names_the_related_products_the_shop_listed(
    ctx: AppContext, shop: Shop
) -> None:
    _catalogue(ctx, shop)
    make_customer(ctx, shop, "C-1", name="Nguyễn Thị Lan", email="lan@example.vn", locale="vi")
    line = {
        "sku": "OOLONG-200",
        "product_name": "Trà Ô Long",
        "quantity": 1,
        "unit_price": "185000",
    }
    place_order(ctx, shop, "O-1", total="185000", status="delivered", lines=[line])
    text = _render(ctx, shop, "cross_sell.suggestion", "C-1", {"order_id": "O-1"})
    assert "nhiều khách chọn thêm: Tách sứ Bát Tràng, Ấm tử sa" in text


def test_without_related_products_the_cross_sell_names_none(ctx: AppContext, shop: Shop) -> None:
    _catalogue(ctx, shop)
    make_customer(ctx, shop, "C-1", name="Mai Tran", email="mai@example.com", locale="en")
    line = {"sku": "MUG-1", "product_name": "Mug", "quantity": 1, "unit_price": "90000"}
    place_order(ctx, shop, "O-1", total="90000", status="delivered", lines=[line])
    text = _render(ctx, shop, "cross_sell.suggestion", "C-1", {"order_id": "O-1"})
    assert "often add" not in text and "go well with it" in text


def test_the_maintenance_notice_carries_the_products_own_care_guide(
    ctx: AppContext, shop: Shop
) -> None:
    _catalogue(ctx, shop)
    make_customer(ctx, shop, "C-1", name="Nguyễn Thị Lan", email="lan@example.vn", locale="vi")
    line = {"sku": "RO", "product_name": "Máy lọc RO", "quantity": 1, "unit_price": "5990000"}
    place_order(ctx, shop, "O-1", total="5990000", status="delivered", lines=[line])
    extra = {"order_id": "O-1", "sku": "RO", "product_name": "Máy lọc RO", "service_number": 1,
             "maintenance_date": "2027-01-31"}  # fmt: skip
    text = _render(ctx, shop, "maintenance.due", "C-1", extra)
    assert "lần 1 vào 31/01/2027" in text and "Thay lõi số 1 mỗi 3 tháng." in text
