"""Warranty dates come from the order and the product's data in calendar months, a variant
takes its parent's care data, and a reminder never cites a date already past."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from careloop.channels.models import Message
from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.journeys import tasks
from careloop.journeys.models import JourneyEnrollment
from careloop.products.schemas import ProductIn
from careloop.products.service import save_product
from careloop.shops.models import Shop
from tests.journeys.factories import install_playbook, run_journeys
from tests.loyalty.factories import make_customer, place_order


def _catalogue(ctx: AppContext, shop: Shop) -> None:
    with ctx.sessions() as s, s.begin():
        for data in (
            ProductIn(sku="RO", name="Máy lọc nước RO", warranty_months=12),
            ProductIn(sku="RO-WHITE", name="Máy lọc nước RO trắng", parent_sku="RO"),
        ):
            save_product(session=s, clock=ctx.clock, shop=s.merge(shop), data=data)


def _bought_the_white_variant(ctx: AppContext, shop: Shop) -> None:
    make_customer(ctx, shop, "C-1", name="Mai Tran", email="mai@example.com", locale="en")
    line = {"sku": "RO-WHITE", "product_name": "RO trắng", "quantity": 1, "unit_price": "5990000"}
    place_order(ctx, shop, "O-1", total="5990000", status="delivered", lines=[line])


def _enrollments(ctx: AppContext) -> list[JourneyEnrollment]:
    with ctx.sessions() as s:
        return list(s.scalars(select(JourneyEnrollment)))


def test_a_variant_bought_today_is_reminded_a_month_before_its_parents_12_month_warranty_ends(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    _catalogue(ctx, shop)
    install_playbook(ctx, shop, "warranty_reminder.yaml")
    _bought_the_white_variant(ctx, shop)  # delivered Monday 2 November 2026
    clock.set(datetime(2027, 10, 1, 3, 0, tzinfo=UTC))
    tasks.scan_dates(ctx)
    assert _enrollments(ctx) == []
    clock.set(datetime(2027, 10, 4, 3, 0, tzinfo=UTC))
    tasks.scan_dates(ctx)
    run_journeys(ctx)
    [enrollment] = _enrollments(ctx)
    assert enrollment.trigger_key == "warranty:O-1:RO-WHITE"
    assert enrollment.context["warranty_until"] == "2027-11-02"
    with ctx.sessions() as s:
        [text] = s.scalars(
            select(Message.body_text).where(Message.template_key == "warranty.expiring")
        )
    assert "12-month warranty of your Máy lọc nước RO trắng ends on 2 Nov 2027" in text


def test_a_scan_after_the_warranty_ended_cites_no_past_date(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    _catalogue(ctx, shop)
    install_playbook(ctx, shop, "warranty_reminder.yaml")
    _bought_the_white_variant(ctx, shop)
    clock.set(datetime(2027, 11, 3, 3, 0, tzinfo=UTC))  # the day after it ended
    tasks.scan_dates(ctx)
    assert _enrollments(ctx) == []
