from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import phonenumbers
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.core.errors import CareloopError, Conflict, ValidationFailed
from careloop.core.settings import Settings
from careloop.customers.models import Consent, Customer, TimelineEvent
from careloop.db.engine import make_engine
from careloop.demo import extensions
from careloop.demo.service import DEMO_PASSWORD, load_demo
from careloop.orders.models import Order, OrderLine, Product
from careloop.shops.models import Shop
from careloop.shops.service import authenticate_staff, create_shop
from tests.demo import fake_extension

SMALL = 200


def snapshot(ctx: AppContext) -> dict[str, list[Any]]:
    """The demo shop's data in insertion (id) order, without the database's own ids."""
    # A session of its own: an open SQLite transaction would block the next load.
    with ctx.sessions() as session:
        return _snapshot(session)


def _snapshot(session: Session) -> dict[str, list[Any]]:
    shop_id = session.scalar(select(Shop.id).where(Shop.slug == "demo"))
    customers = session.execute(
        select(
            Customer.external_id,
            Customer.name,
            Customer.email,
            Customer.phone,
            Customer.birthday,
            Customer.referral_code,
            Customer.created_at,
        )
        .where(Customer.shop_id == shop_id)
        .order_by(Customer.id)
    ).all()
    orders = session.execute(
        select(Order.external_id, Order.status, Order.total_minor, Order.placed_at, Order.paid_at)
        .where(Order.shop_id == shop_id)
        .order_by(Order.id)
    ).all()
    events = session.execute(
        select(TimelineEvent.type, TimelineEvent.event_key, TimelineEvent.occurred_at)
        .where(TimelineEvent.shop_id == shop_id)
        .order_by(TimelineEvent.id)
    ).all()
    return {"customers": list(customers), "orders": list(orders), "events": list(events)}


def test_the_demo_shop_has_the_promised_shape(ctx: AppContext, session: Session) -> None:
    summary = load_demo(ctx, customers=SMALL, seed=42)

    shop = session.scalars(select(Shop).where(Shop.slug == "demo")).one()
    assert (shop.currency, shop.timezone, shop.locale, shop.business_model) == (
        "VND",
        "Asia/Ho_Chi_Minh",
        "vi",
        "retail",
    )
    customers = session.scalars(select(Customer).where(Customer.shop_id == shop.id)).all()
    assert len(customers) == SMALL == summary.customers
    assert (
        sum(
            1
            for c in customers
            if any(ch in c.name for ch in "ăâđêôơưạảấầẩẫậễệịọốồổộớờởợụủứừửữựỳỹ")
        )
        > SMALL * 0.8
    )
    for customer in customers:
        if customer.phone:
            assert phonenumbers.is_valid_number(phonenumbers.parse(customer.phone))
    products = session.scalars(select(Product).where(Product.shop_id == shop.id)).all()
    assert 10 <= len(products) <= 30
    assert all(p.price_minor and 89_000 <= p.price_minor <= 2_490_000 for p in products)
    assert all(p.care_guide_text for p in products)
    assert any(p.usage_days for p in products) and any(p.warranty_days for p in products)
    assert any(p.maintenance_interval_days for p in products)

    orders = session.scalars(select(Order).where(Order.shop_id == shop.id)).all()
    assert len(orders) == summary.orders > SMALL
    now = ctx.clock.now()
    assert all(now - timedelta(days=550) <= o.placed_at <= now for o in orders)
    assert all(o.currency == "VND" for o in orders)
    statuses = Counter(o.status for o in orders)
    assert statuses["cancelled"] and statuses["returned"] and statuses["delivered"]
    assert 0.2 <= summary.repeat_rate <= 0.4
    assert "₫" in str(summary) and "owner@demo.local" in str(summary)


def test_order_rows_add_up_and_timeline_matches_what_the_api_records(
    ctx: AppContext, session: Session
) -> None:
    load_demo(ctx, customers=50, seed=3)
    order = session.scalars(
        select(Order).where(Order.status == "delivered").order_by(Order.id)
    ).first()
    assert order is not None
    lines = session.scalars(select(OrderLine).where(OrderLine.order_id == order.id)).all()
    assert 1 <= len(lines) <= 4 and all(line.product_id for line in lines)
    subtotal = sum(line.quantity * line.unit_price_minor for line in lines)
    assert order.total_minor <= subtotal
    events = session.scalars(
        select(TimelineEvent).where(TimelineEvent.order_id == order.id).order_by(TimelineEvent.id)
    ).all()
    assert {e.type for e in events} >= {
        "order.placed",
        "order.paid",
        "order.shipped",
        "order.delivered",
    }
    placed = next(e for e in events if e.type == "order.placed")
    assert placed.event_key == f"order:{order.external_id}:placed"
    assert placed.payload == {
        "order_id": order.external_id,
        "status": "placed",
        "total": str(order.total_minor),
        "currency": "VND",
    }
    assert placed.occurred_at == order.placed_at and placed.customer_id == order.customer_id
    customer = session.get_one(Customer, order.customer_id)
    created = session.scalars(
        select(TimelineEvent).where(
            TimelineEvent.customer_id == customer.id, TimelineEvent.type == "customer.created"
        )
    ).one()
    assert created.event_key == f"customer:{customer.external_id}:created"
    consents = session.scalars(select(Consent).where(Consent.customer_id == customer.id)).all()
    consent_events = session.scalars(
        select(TimelineEvent).where(
            TimelineEvent.customer_id == customer.id, TimelineEvent.type == "consent.changed"
        )
    ).all()
    assert len(consent_events) == len(consents)


def test_history_is_stored_as_history_so_no_journey_fires(
    ctx: AppContext, session: Session
) -> None:
    load_demo(ctx, customers=50, seed=3)
    undispatched = session.scalars(
        select(TimelineEvent.id).where(TimelineEvent.history.is_(False))
    ).all()
    assert undispatched == []
    assert all(e.source == "demo" for e in session.scalars(select(TimelineEvent)))


def test_same_seed_gives_identical_data_and_another_seed_different_data(
    ctx: AppContext, session: Session
) -> None:
    load_demo(ctx, customers=100, seed=7)
    first = snapshot(ctx)
    load_demo(ctx, customers=100, seed=7)
    assert snapshot(ctx) == first
    load_demo(ctx, customers=100, seed=8)
    other = snapshot(ctx)
    assert other["customers"] != first["customers"] and other["orders"] != first["orders"]


def test_the_demo_staff_can_log_in_with_their_roles(ctx: AppContext, session: Session) -> None:
    summary = load_demo(ctx, customers=10)
    for email, role in (
        ("owner@demo.local", "owner"),
        ("agent@demo.local", "agent"),
        ("viewer@demo.local", "viewer"),
    ):
        login = authenticate_staff(session, email, DEMO_PASSWORD)
        assert login is not None
        assert [(shop.slug, r) for shop, r in login.memberships] == [("demo", role)]
        assert (email, role) in summary.logins


def test_if_missing_keeps_an_existing_demo_shop_and_a_plain_run_rebuilds_it(
    ctx: AppContext, session: Session, clock: VirtualClock
) -> None:
    load_demo(ctx, customers=30, seed=1)
    before = snapshot(ctx)
    clock.advance(timedelta(days=3))

    kept = load_demo(ctx, customers=80, seed=2, if_missing=True)
    assert not kept.built and kept.customers == 30
    assert snapshot(ctx) == before
    assert "already there" in str(kept)

    rebuilt = load_demo(ctx, customers=80, seed=2)
    assert rebuilt.built and rebuilt.customers == 80
    assert session.scalars(select(Shop).where(Shop.slug == "demo")).one()


def test_an_interrupted_demo_is_rebuilt_even_with_if_missing(
    ctx: AppContext, session: Session
) -> None:
    load_demo(ctx, customers=20, seed=1)
    with ctx.sessions() as s, s.begin():
        shop = s.scalars(select(Shop).where(Shop.slug == "demo")).one()
        shop.settings = {"demo": {"seed": 1, "customers": 20, "complete": False}}
    summary = load_demo(ctx, customers=40, seed=1, if_missing=True)
    assert summary.built and summary.customers == 40


def test_a_negative_customer_count_is_refused_naming_the_field(ctx: AppContext) -> None:
    with pytest.raises(ValidationFailed, match="customers"):
        load_demo(ctx, customers=-5)


def test_a_shop_called_demo_that_is_not_the_demo_is_never_touched(ctx: AppContext) -> None:
    with ctx.sessions() as s, s.begin():
        create_shop(session=s, clock=ctx.clock, slug="demo", name="A real shop")
    with pytest.raises(Conflict, match="not made by `careloop demo`"):
        load_demo(ctx, customers=10)
    with pytest.raises(Conflict):
        load_demo(ctx, customers=10, if_missing=True)


def test_other_shops_are_left_alone_when_the_demo_is_rebuilt(
    ctx: AppContext, session: Session, shop: Shop
) -> None:
    load_demo(ctx, customers=10)
    load_demo(ctx, customers=10)
    assert session.get(Shop, shop.id) is not None


def test_extension_modules_run_after_the_core_data_with_their_own_rng(
    ctx: AppContext, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        extensions, "DEMO_MODULES", ["tests.demo.broken_extension", "tests.demo.fake_extension"]
    )
    fake_extension.CALLS.clear()
    summary = load_demo(ctx, customers=10, seed=5)
    load_demo(ctx, customers=10, seed=5)

    assert [r.ok for r in summary.extensions] == [False, True]
    assert "boom" in (summary.extensions[0].error or "")
    assert "FAILED" in str(summary)
    shop = session.scalars(select(Shop).where(Shop.slug == "demo")).one()
    assert shop.name != "changed by a broken module"
    assert len(fake_extension.CALLS) == 2
    assert fake_extension.CALLS[0] == fake_extension.CALLS[1]  # same seed, same draws
    assert fake_extension.CALLS[0]["now"] == ctx.clock.now()
    tagged = session.scalars(
        select(Customer).where(Customer.shop_id == shop.id).order_by(Customer.id)
    ).first()
    assert tagged is not None and "extension-was-here" in tagged.tags
    earned = session.scalars(select(TimelineEvent).where(TimelineEvent.type == "points.earned"))
    assert [e.history for e in earned] == [True]  # history, not news


def test_a_database_without_the_schema_gets_a_hint_to_run_init(
    tmp_path: Path, clock: VirtualClock
) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    empty = AppContext(settings=Settings(database_url=url), clock=clock, engine=make_engine(url))
    with pytest.raises(CareloopError, match="careloop init"):
        load_demo(empty, customers=5)
    empty.engine.dispose()
