"""The Golden Hours fire once and right: a first purchase (or, configured, a new category)
enrolls, a repeat order does not; day 0 is payment for a prepaid order and delivery for a
cash-on-delivery one; the day-3 guide counts from delivery.

Shopify documents a cash-on-delivery order as `financial_status: pending` until the
merchant captures the payment at the door ("Manual payment methods", Shopify Help Center:
"Cash on Delivery (COD)"; REST Admin API Order `financial_status`): so for COD, payment
never comes before delivery and "the first of paid and delivered" is delivery."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from careloop.journeys.models import JourneyEnrollment
from careloop.journeys.purchase_rule import PurchaseHistory, qualifies
from careloop.orders.models import Product
from careloop.orders.schemas import OrderIn, OrderLineIn
from careloop.orders.service import change_status, upsert_order
from tests.journeys.conftest import World, messages_of

GOLDEN = (
    "golden_hours.thank_you",
    "golden_hours.usage_guide",
    "golden_hours.usage_guide_reminder",
    "golden_hours.feedback_survey",
    "golden_hours.how_can_we_do_better",
    "golden_hours.review_request",
)


def templates(world: World, customer) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        m.template_key
        for m in messages_of(world, customer)
        if m.status not in ("suppressed", "deferred")
    ]


def place(
    world: World, customer, order_id: str, *, sku: str = "CF-500", placed: datetime | None = None
) -> None:  # type: ignore[no-untyped-def]
    data = OrderIn(
        order_id=order_id,
        customer_id=customer.external_id,
        placed_at=placed or world.clock.now(),
        total=Decimal(250000),
        lines=[OrderLineIn(sku=sku, product_name=sku, quantity=1, unit_price=Decimal(250000))],
    )
    with world.session() as s, s.begin():
        upsert_order(session=s, clock=world.clock, shop=s.merge(world.shop), data=data)


def mark(world: World, order_id: str, status: str) -> None:
    with world.session() as s, s.begin():
        change_status(
            session=s,
            clock=world.clock,
            shop=s.merge(world.shop),
            order_external_id=order_id,
            status=status,
            at=world.clock.now(),
        )


def categorise(world: World, **categories: str) -> None:
    with world.session() as s, s.begin():
        for sku, category in categories.items():
            s.add(
                Product(
                    shop_id=world.shop.id,
                    sku=sku.replace("_", "-"),
                    name=sku,
                    category=category,
                    created_at=world.clock.now(),
                )
            )


def enrollments(world: World) -> list[str]:
    with world.session() as s:
        return list(s.scalars(select(JourneyEnrollment.trigger_key).order_by(JourneyEnrollment.id)))


@pytest.mark.parametrize(
    ("enrol_on", "earlier", "earlier_categories", "categories", "expected"),
    [
        ("every_order", 3, {"tea"}, {"tea"}, True),
        ("first_purchase", 0, set(), {"tea"}, True),
        ("first_purchase", 1, {"tea"}, {"filter"}, False),
        ("new_category", 0, set(), set(), True),
        ("new_category", 2, {"tea"}, {"tea", "filter"}, True),
        ("new_category", 2, {"tea", "filter"}, {"tea"}, False),
        ("new_category", 1, {"tea"}, set(), False),
    ],
)
def test_which_purchases_enrol_follows_the_journeys_enrol_on_rule(
    enrol_on: str,
    earlier: int,
    earlier_categories: set[str],
    categories: set[str],
    expected: bool,
) -> None:
    history = PurchaseHistory(earlier, frozenset(earlier_categories), frozenset(categories))
    assert qualifies(enrol_on, history) is expected


def test_a_second_order_does_not_restart_the_golden_hours(world: World) -> None:
    world.install("golden_hours")
    mai = world.customer()
    first = world.clock.now()
    world.order(mai, "o1")
    world.run_until(first + timedelta(days=20))
    once = templates(world, mai)
    assert once[0] == "golden_hours.thank_you" and "golden_hours.feedback_survey" in once

    world.order(mai, "o2")
    world.days_later(20)
    assert templates(world, mai) == once  # no second thanks, guide, reminder or survey
    assert enrollments(world) == ["order:o1"]
    with world.session() as s:
        from careloop.loyalty.models import Coupon

        reasons = list(s.scalars(select(Coupon.reason).where(Coupon.customer_id == mai.id)))
    assert reasons.count("golden_hours_feedback") == 1


def test_a_cancelled_first_order_leaves_the_next_one_as_the_first_purchase(world: World) -> None:
    world.install("golden_hours")
    an = world.customer("c2")
    place(world, an, "o1")
    mark(world, "o1", "cancelled")
    world.clock.advance(timedelta(days=1))
    world.order(an, "o2")
    world.work()
    assert enrollments(world) == ["order:o2"]
    assert templates(world, an) == ["golden_hours.thank_you"]


def test_a_journey_set_to_new_category_welcomes_a_first_purchase_from_another_category(
    world: World,
) -> None:
    text = (
        "key: welcome_category\nname: Welcome to a category\n"
        "trigger: {event: order.delivered}\nenrol_on: new_category\n"
        "steps:\n  - id: hello\n    send: {channels: [email], template: test.note, kind: service}\n"
    )
    world.install(text=text)
    categorise(world, TEA_1="tea", TEA_2="tea", FILTER_1="water filter")
    bao = world.customer("c3")
    world.order(bao, "o1", lines=[("TEA-1", 1)])
    world.days_later(10)
    world.order(bao, "o2", lines=[("TEA-2", 1)])  # tea again: no welcome
    world.days_later(10)
    world.order(bao, "o3", lines=[("FILTER-1", 1), ("TEA-1", 1)])  # a first water filter
    world.work()
    assert enrollments(world) == ["order:o1", "order:o3"]


def test_a_prepaid_order_is_thanked_at_payment_before_it_is_delivered(world: World) -> None:
    world.install("golden_hours")
    chi = world.customer("c4")
    place(world, chi, "o1")
    world.clock.advance(timedelta(minutes=30))
    world.work()
    assert templates(world, chi) == []  # placed, not yet paid: nothing to thank for yet

    mark(world, "o1", "paid")
    paid = world.clock.now()
    world.work()
    (thanks,) = messages_of(world, chi)
    assert thanks.template_key == "golden_hours.thank_you"
    assert thanks.created_at - paid < timedelta(minutes=5)
    # Thanked for a confirmed order, not told it "has arrived" while it is on its way.
    assert "Order o1 is confirmed." in thanks.rendered["sms"]["text"]

    # Not delivered: the day-3 guide waits for the parcel, however long after payment.
    world.run_until(paid + timedelta(days=5))
    assert templates(world, chi) == ["golden_hours.thank_you"]

    mark(world, "o1", "delivered")
    delivered = world.clock.now()
    world.run_until(delivered + timedelta(days=2, hours=12))
    assert templates(world, chi) == ["golden_hours.thank_you"]
    world.run_until(delivered + timedelta(days=3, hours=12))
    assert templates(world, chi)[-1] == "golden_hours.usage_guide"
    assert enrollments(world) == ["order:o1"]  # the delivery enrolled no second time


def test_a_cash_on_delivery_order_is_thanked_on_delivery_not_before(world: World) -> None:
    world.install("golden_hours")
    dung = world.customer("c5")
    place(world, dung, "o1")
    mark(world, "o1", "shipped")
    world.run_until(world.clock.now() + timedelta(days=2))
    assert templates(world, dung) == []

    mark(world, "o1", "delivered")  # the courier collects the cash at the door
    delivered = world.clock.now()
    mark(world, "o1", "paid")
    world.work()
    (thanks,) = messages_of(world, dung)
    assert thanks.template_key == "golden_hours.thank_you"
    assert thanks.created_at - delivered < timedelta(minutes=5)
    assert "Order o1 has arrived." in thanks.rendered["sms"]["text"]
    assert enrollments(world) == ["order:o1"]
    assert set(templates(world, dung)) <= set(GOLDEN)
