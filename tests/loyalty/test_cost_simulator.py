"""The loyalty settings page's cost simulator (issue 24, item 2): the programme's expected
monthly cost from the shop's own last 90 days of orders, against the seeds' budget band
(seeds/000 FAQ: retail 2-5% of revenue)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from careloop.context import AppContext
from careloop.loyalty.config import ProgramConfig, parse_config
from careloop.loyalty.simulator import simulate_monthly_cost
from careloop.shops.models import Shop
from tests.loyalty.factories import make_customer, place_order
from tests.web.helpers import sign_in

# 90 days of a small shop: 30 orders of 500.000 ₫ (10 a month, 5.000.000 ₫ revenue a month).
HISTORY = [500_000] * 30


def test_simulator_turns_a_small_order_history_into_monthly_cost() -> None:
    estimate = simulate_monthly_cost(
        order_totals=HISTORY,
        days=90,
        config=ProgramConfig(),
        currency="VND",
        business_model="retail",
    )
    assert estimate.orders_per_month == 10
    assert estimate.revenue_minor == 5_000_000
    # 1 point per 1.000 ₫: 500 points an order, 5.000 a month.
    assert estimate.points_earned == 5_000
    # The catalogue's best value per point: 10% capped at 5.000 ₫ for 100 points = 50 ₫.
    assert estimate.value_per_point_minor == 50
    assert estimate.points_liability_minor == 250_000
    # Half the points redeemed (assumed without history): 2.500 points, 25 rewards.
    assert (estimate.rate_assumed, estimate.points_redeemed) == (True, 2_500)
    assert estimate.rewards_redeemed == 25
    assert estimate.discount_minor == 125_000
    assert estimate.share == pytest.approx(0.025)
    assert estimate.status == "within"


def test_simulator_uses_the_shops_observed_redemption_rate() -> None:
    estimate = simulate_monthly_cost(
        order_totals=HISTORY,
        days=90,
        config=ProgramConfig(),
        currency="VND",
        business_model="retail",
        observed_rate=0.2,
    )
    assert (estimate.rate_assumed, estimate.discount_minor) == (False, 50_000)
    assert estimate.status == "below"


def test_uncapped_generous_reward_shows_the_programme_above_the_band() -> None:
    generous = parse_config(
        {
            "rewards": [
                {
                    "key": "big",
                    "name_vi": "Giảm 10%",
                    "name_en": "10% off",
                    "cost": 100,
                    "kind": "percent",
                    "percent_off": 10,
                    "max_discount_major": 2_000_000,
                }
            ]
        }
    )
    estimate = simulate_monthly_cost(
        order_totals=HISTORY,
        days=90,
        config=generous,
        currency="VND",
        business_model="retail",
        observed_rate=1.0,
    )
    assert estimate.status == "above"


def test_simulator_without_orders_says_there_is_nothing_to_estimate() -> None:
    estimate = simulate_monthly_cost(
        order_totals=[],
        days=90,
        config=ProgramConfig(),
        currency="VND",
        business_model="retail",
    )
    assert (estimate.revenue_minor, estimate.share, estimate.status) == (0, None, None)


@pytest.mark.parametrize(
    ("locale", "title", "band"),
    [
        ("en", "Expected monthly cost", "After-sales budget band for retail: 2–5% of revenue"),
        ("vi", "Chi phí dự kiến mỗi tháng", "Ngân sách hậu mãi cho mô hình retail: 2–5% doanh thu"),
    ],
)
def test_loyalty_settings_page_shows_the_cost_from_the_last_90_days_of_orders(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    locale: str,
    title: str,
    band: str,
) -> None:
    make_customer(ctx, shop, "C-1")
    now = ctx.clock.now()
    for i, total in enumerate(HISTORY):
        place_order(ctx, shop, f"O-{i}", total=str(total), placed_at=now - timedelta(days=i * 3))
    # An order older than 90 days is not counted.
    place_order(ctx, shop, "OLD", total="90000000", placed_at=now - timedelta(days=120))
    sign_in(app_client, ctx, make_staff(shop), shop, locale=locale)
    page = app_client.get("/loyalty")
    assert page.status_code == 200
    assert title in page.text and band in page.text
    assert 'data-testid="cost-revenue">5.000.000' in page.text
    assert 'data-testid="cost-discount">125.000' in page.text
