from __future__ import annotations

from datetime import timedelta

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.segments.backtest import run_backtest
from careloop.segments.clv_service import fit_shop
from careloop.segments.models import CustomerSegment
from careloop.segments.service import recompute_segments
from careloop.shops.models import Shop
from tests.segments.factories import add_buyer, simulate_shop


def test_a_shop_with_a_few_one_time_buyers_gets_a_plain_answer_not_a_model(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    with ctx.sessions() as s, s.begin():
        for i in range(5):
            add_buyer(s, shop, f"C{i}", [(clock.now() - timedelta(days=i + 1), 200_000)])
        fit, _ = fit_shop(session=s, shop=shop, as_of=clock.now())
    assert fit.bgnbd is None
    assert "Too little data" in fit.notes[0]
    assert fit.historical_clv_mean_minor == 200_000


def test_recompute_stores_p_alive_and_predicted_clv_for_each_buyer(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    with ctx.sessions() as s, s.begin():
        simulate_shop(s, shop, clock.now(), customers=300)
        result = recompute_segments(session=s, clock=clock, shop=s.merge(shop))
        rows = s.query(CustomerSegment).filter_by(shop_id=shop.id).all()
    assert result.clv["bgnbd"]["converged"]
    assert len(rows) == 300
    assert all(r.p_alive is not None and 0 <= r.p_alive <= 1 for r in rows)
    assert all(r.predicted_clv_minor is not None and r.predicted_clv_minor >= 0 for r in rows)
    best = max(rows, key=lambda r: r.predicted_clv_minor or 0)
    assert best.frequency > 1


def test_weeks_and_days_give_consistent_fits(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    with ctx.sessions() as s, s.begin():
        simulate_shop(s, shop, clock.now(), customers=300)
        days, _ = fit_shop(session=s, shop=shop, as_of=clock.now(), unit="day")
        weeks, _ = fit_shop(session=s, shop=shop, as_of=clock.now(), unit="week")
    assert days.bgnbd and weeks.bgnbd
    assert abs(days.bgnbd.r - weeks.bgnbd.r) / days.bgnbd.r < 0.2


def test_backtest_compares_predicted_with_actual_repeat_purchases_by_calibration_group(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    with ctx.sessions() as s, s.begin():
        simulate_shop(s, shop, clock.now(), customers=400, seed=3)
        bt = run_backtest(
            session=s,
            shop=shop,
            calibration_end=clock.now() - timedelta(days=90),
            end=clock.now(),
        )
    assert bt.fit.usable
    assert bt.rows[0].repeat_purchases == "0"
    assert sum(r.customers for r in bt.rows) == bt.customers
    assert sum(r.actual for r in bt.rows) == bt.actual_total
    # The model should be in the right ballpark on data drawn from it.
    assert 0.5 < bt.predicted_total / max(bt.actual_total, 1) < 2.0
