"""The segments page: the segment map with its seed-sourced care strategies, and what it
says about CLV, plainly, when the shop is too small for the model."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.segments.service import recompute_segments
from careloop.shops.models import Shop
from tests.segments.factories import add_buyer, simulate_shop
from tests.web.helpers import sign_in


def test_a_dozen_customers_get_a_plain_warning_and_the_historical_figure_not_a_prediction(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    clock: VirtualClock,
    make_staff: Callable[..., str],
) -> None:
    with ctx.sessions() as s, s.begin():
        for i in range(12):
            orders = [(clock.now() - timedelta(days=3 * i + 1), 100_000)]
            if i < 2:  # only two repeat buyers
                orders.append((clock.now() - timedelta(days=90), 50_000))
            add_buyer(s, shop, f"C{i}", orders)
        recompute_segments(session=s, clock=clock, shop=s.merge(shop))
    sign_in(app_client, ctx, make_staff(shop, role="viewer"), shop)
    page = app_client.get("/segments")
    assert page.status_code == 200
    assert "the model is not trustworthy" in page.text
    assert "Too little data for a CLV model: 12 customers, 2 repeat buyers" in page.text
    assert 'data-testid="clv-historical"' in page.text
    assert 'data-testid="clv-predicted"' not in page.text


def test_a_shop_with_enough_history_sees_the_predicted_clv(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    clock: VirtualClock,
    make_staff: Callable[..., str],
) -> None:
    with ctx.sessions() as s, s.begin():
        simulate_shop(s, shop, clock.now(), customers=200, seed=4)
        recompute_segments(session=s, clock=clock, shop=s.merge(shop))
    sign_in(app_client, ctx, make_staff(shop, role="viewer"), shop)
    page = app_client.get("/segments")
    assert 'data-testid="clv-predicted"' in page.text
    assert "not trustworthy" not in page.text


def test_every_segment_shows_its_strategy_with_the_seed_it_comes_from_and_its_journeys(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    clock: VirtualClock,
    make_staff: Callable[..., str],
) -> None:
    with ctx.sessions() as s, s.begin():
        add_buyer(s, shop, "A", [(clock.now() - timedelta(days=2), 100_000)])
        recompute_segments(session=s, clock=clock, shop=s.merge(shop), with_clv=False)
    sign_in(app_client, ctx, make_staff(shop, role="viewer"), shop)
    page = app_client.get("/segments").text
    assert "Quoted from seeds/000 section 3" in page  # Champions, Loyal, At Risk
    assert "Seeds silent on this segment" in page
    # The journeys by their names, not their keys (golden_hours, re_engagement).
    assert '<a href="/journeys">Golden Hours 0-3-7</a>' in page
    assert "Re-engagement after 60 days inactive" in page and "re_engagement" not in page


def test_segment_names_and_strategies_come_from_the_message_catalogue_in_both_languages() -> None:
    import careloop.segments.ui  # noqa: F401  (registers the segment messages)
    from careloop.segments.rfm import SEGMENTS
    from careloop.web.i18n import t

    for key, seg in SEGMENTS.items():
        assert t(f"segment.{key}.label", "en") == seg.label
        assert t(f"segment.{key}.strategy", "en") == seg.care_strategy
        for part in ("label", "description", "strategy"):
            vi = t(f"segment.{key}.{part}", "vi")
            assert vi and vi != t(f"segment.{key}.{part}", "en"), (key, part)
    assert t("segment.champions.label", "vi") == "Khách hàng VIP"
