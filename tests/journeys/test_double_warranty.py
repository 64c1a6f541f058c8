"""Privileges that act (issue 24, item 3): a customer holding the loyalty privilege
"double_warranty" gets the warranty reminder at the doubled end date, and support's
customer view shows the same doubled date (both read loyalty's `warranty_ends`)."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from careloop.customers.models import Customer
from careloop.journeys.models import JourneyEnrollment
from careloop.loyalty.entitlements import grant_entitlement, warranty_ends
from careloop.orders.models import Product
from careloop.support.customer360 import customer_360
from tests.journeys.conftest import World

WARRANTY_DAYS = 365


def _warranty_enrollments(world: World, customer: Customer) -> list[JourneyEnrollment]:
    with world.session() as s:
        return list(
            s.scalars(
                select(JourneyEnrollment).where(
                    JourneyEnrollment.customer_id == customer.id,
                    JourneyEnrollment.trigger_key.like("warranty:%"),
                )
            )
        )


def _local_today(world: World) -> date:
    return world.clock.now().astimezone(ZoneInfo(world.shop.timezone)).date()


def _buy_drill_with_warranty(world: World, customer: Customer, order_id: str) -> None:
    world.order(customer, order_id, lines=[("DRILL", 1)])
    with world.session() as s, s.begin():
        s.execute(update(Product).where(Product.sku == "DRILL").values(warranty_days=WARRANTY_DAYS))


def test_warranty_ends_doubles_the_period_only_for_the_privilege() -> None:
    start = date(2026, 1, 10)
    assert warranty_ends(start=start, warranty_days=30) == date(2026, 2, 9)
    assert warranty_ends(start=start, warranty_days=30, privileges={"double_warranty"}) == date(
        2026, 3, 11
    )
    assert warranty_ends(start=start, warranty_days=30, privileges={"priority_support"}) == date(
        2026, 2, 9
    )


def test_double_warranty_moves_the_warranty_reminder_to_the_doubled_end_date(
    world: World,
) -> None:
    world.install("warranty_reminder")
    mai = world.customer("mai")
    bao = world.customer("bao", email="bao@example.com")
    with world.session() as s, s.begin():
        # A year of double warranty, redeemed before the purchase (the default reward).
        grant_entitlement(
            session=s,
            clock=world.clock,
            shop_id=world.shop.id,
            customer_id=mai.id,
            key="double_warranty",
            source="reward:double_warranty",
            idempotency_key="reward:test",
            valid_days=365,
        )
    start = _local_today(world)
    _buy_drill_with_warranty(world, mai, "o-mai")
    _buy_drill_with_warranty(world, bao, "o-bao")

    world.days_later(WARRANTY_DAYS - 25)  # inside the 30-day window before a single warranty
    assert [e.trigger_key for e in _warranty_enrollments(world, bao)] == ["warranty:o-bao:DRILL"]
    assert _warranty_enrollments(world, mai) == []

    world.days_later(WARRANTY_DAYS)  # 25 days before the doubled end, the privilege has lapsed
    (enrollment,) = _warranty_enrollments(world, mai)
    assert enrollment.trigger_key == "warranty:o-mai:DRILL"
    assert enrollment.context["warranty_until"] == (start + timedelta(days=730)).isoformat()
    assert len(_warranty_enrollments(world, bao)) == 1


def test_support_customer_view_shows_the_doubled_warranty_date(world: World) -> None:
    mai = world.customer("mai")
    with world.session() as s, s.begin():
        grant_entitlement(
            session=s,
            clock=world.clock,
            shop_id=world.shop.id,
            customer_id=mai.id,
            key="double_warranty",
            source="reward:double_warranty",
            idempotency_key="reward:test",
        )
    start = _local_today(world)
    _buy_drill_with_warranty(world, mai, "o-mai")
    with world.session() as s:
        view = customer_360(session=s, shop=world.shop, customer_id=mai.id, now=world.clock.now())
    (row,) = view.warranties
    assert (row["sku"], row["extended"], row["active"]) == ("DRILL", True, True)
    assert row["warranty_until"] == (start + timedelta(days=730)).isoformat()
