"""Product-aware codes in journeys (issue 24, item 5): the replenishment journey's code is
limited to the product running out, the cross-sell code to the category bought, and both
are capped like every percent code."""

from __future__ import annotations

from sqlalchemy import select, update

from careloop.journeys.models import JourneyEnrollment
from careloop.loyalty.models import Coupon
from careloop.orders.models import Product
from tests.journeys.conftest import World, messages_of


def test_replenishment_code_is_limited_to_the_product_running_out_and_capped(
    world: World,
) -> None:
    world.install("replenishment")
    mai = world.customer()
    world.order(mai, lines=[("COFFEE", 2), ("MUG", 1)])
    with world.session() as s, s.begin():
        s.execute(update(Product).where(Product.sku == "COFFEE").values(usage_days=15))
    world.days_later(17)  # run-out on day 30
    with world.session() as s:
        (coupon,) = s.scalars(select(Coupon).where(Coupon.customer_id == mai.id))
    assert coupon.product_skus == ["COFFEE"]
    assert (coupon.percent_off, coupon.max_discount_minor) == (10, 100_000)
    (message,) = messages_of(world, mai)
    email = message.rendered["email"]["text"]
    assert f"Code {coupon.code}: 10% off (up to 100.000 ₫) on COFFEE" in email


def test_cross_sell_code_is_limited_to_the_category_bought(world: World) -> None:
    world.install("cross_sell")
    mai = world.customer()
    world.order(mai, lines=[("COFFEE", 1)])
    with world.session() as s, s.begin():
        s.execute(update(Product).where(Product.sku == "COFFEE").values(category="Coffee"))
    world.days_later(46)
    with world.session() as s:
        coupons = list(s.scalars(select(Coupon).where(Coupon.customer_id == mai.id)))
        enrollment = s.scalar(select(JourneyEnrollment))
    assert enrollment is not None
    if enrollment.status == "holdout":
        assert coupons == []
        return
    (coupon,) = coupons
    assert coupon.categories == ["Coffee"]


def test_cross_sell_without_a_category_skips_the_code_and_says_why(world: World) -> None:
    world.install("cross_sell")
    mai = world.customer()
    world.order(mai, lines=[("COFFEE", 1)])
    world.days_later(46)
    with world.session() as s:
        enrollment = s.scalar(select(JourneyEnrollment))
        coupons = list(s.scalars(select(Coupon)))
    assert enrollment is not None and coupons == []
    if enrollment.status != "holdout":
        assert "no categories known" in enrollment.context["skipped"]["suggestion_code"]
