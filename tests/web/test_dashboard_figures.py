from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.shops.models import Shop
from careloop.web.ui.dashboard import revenue_new_vs_returning
from tests.web.helpers import add_order, sign_in


@pytest.fixture
def owner(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> TestClient:
    sign_in(app_client, ctx, make_staff(shop), shop)
    return app_client


def test_revenue_splits_first_month_buyers_from_returning_ones(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    now = clock.now()
    add_order(ctx, shop, "A", "A-1", "100", placed_at=now - timedelta(days=400))
    add_order(ctx, shop, "A", "A-2", "200", placed_at=now - timedelta(hours=2))
    add_order(ctx, shop, "B", "B-1", "50", placed_at=now - timedelta(hours=3))
    add_order(ctx, shop, "B", "B-2", "70", placed_at=now - timedelta(hours=1))
    add_order(ctx, shop, "C", "C-1", "999", placed_at=now - timedelta(hours=1), status="cancelled")

    with ctx.sessions() as s:
        labels, new, returning = revenue_new_vs_returning(s, s.merge(shop), now)

    assert len(labels) == 6
    assert new[-1] == 120 * shop_minor(shop)
    assert returning[-1] == 200 * shop_minor(shop)
    assert sum(new[:-1]) == sum(returning[:-1]) == 0


def shop_minor(shop: Shop) -> int:
    from careloop.core.money import to_minor

    return to_minor("1", shop.currency)


def test_overview_says_when_its_figures_were_computed_and_shows_new_orders_at_once(
    owner: TestClient, ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    add_order(ctx, shop, "A", "A-1", "100", placed_at=clock.now() - timedelta(days=1))
    first = owner.get("/")
    assert 'data-testid="computed-at"' in first.text
    assert 'data-testid="stat-orders"' in first.text

    add_order(ctx, shop, "B", "B-1", "100", placed_at=clock.now() - timedelta(hours=1))
    again = owner.get("/")

    orders = again.text.split('data-testid="stat-orders"', 1)[1][:200]
    assert ">2<" in orders.replace(" ", "")
