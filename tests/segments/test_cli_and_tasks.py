from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.segments.models import CustomerSegment, SegmentRun
from careloop.segments.tasks import nightly_segments
from careloop.shops.models import Shop
from tests.cli_runner import careloop
from tests.segments.factories import add_buyer, simulate_shop


def test_segments_command_recomputes_and_prints_the_segment_table(
    ctx: AppContext, db_url: str, shop: Shop, clock: VirtualClock
) -> None:
    with ctx.sessions() as s, s.begin():
        for i in range(12):
            add_buyer(s, shop, f"C{i}", [(clock.now() - timedelta(days=5 * i), 100_000)])
    result = careloop(db_url, "segments", "--shop", "acme")
    assert result.returncode == 0, result.stderr
    assert "Champions" in result.stdout and "Can't Lose Them" in result.stdout
    assert "12 customers" in result.stdout
    assert "Too little data for a CLV model" in result.stdout


def test_clv_fit_prints_the_parameters_as_json_and_backtest_a_table(
    ctx: AppContext, db_url: str, shop: Shop, clock: VirtualClock
) -> None:
    with ctx.sessions() as s, s.begin():
        simulate_shop(s, shop, clock.now(), customers=250, seed=5)
    result = careloop(db_url, "clv", "fit", "--shop", "acme", "--as-of", "2026-11-01", "--json")
    assert result.returncode == 0, result.stderr
    fit = json.loads(result.stdout)
    assert set(fit["bgnbd"]) >= {"r", "alpha", "a", "b", "log_likelihood"}
    assert set(fit["gamma_gamma"]) >= {"p", "q", "gamma", "log_likelihood"}
    bt = careloop(db_url, "clv", "backtest", "--shop", "acme", "--calibration-end", "2026-08-01")
    assert bt.returncode == 0, bt.stderr
    assert "Predicted" in bt.stdout and "Actual" in bt.stdout


def test_clv_fit_names_a_bad_date(db_url: str, shop: Shop) -> None:
    result = careloop(db_url, "clv", "fit", "--shop", "acme", "--as-of", "yesterday")
    assert result.returncode == 1
    assert "--as-of" in result.stderr


def test_kpi_and_report_commands(
    ctx: AppContext, db_url: str, shop: Shop, clock: VirtualClock, tmp_path: Path
) -> None:
    with ctx.sessions() as s, s.begin():
        add_buyer(s, shop, "A", [(clock.now() - timedelta(days=20), 100_000)])
    kpi = careloop(
        db_url, "kpi", "--shop", "acme", "--from", "2026-10-01", "--to", "2026-10-31", "--json"
    )
    assert kpi.returncode == 0, kpi.stderr
    assert json.loads(kpi.stdout)["repeat_purchase_rate"] == 0.0
    out = tmp_path / "review.html"
    rep = careloop(db_url, "report", "--shop", "acme", "--month", "2026-10", "--out", str(out))
    assert rep.returncode == 0, rep.stderr
    assert "<svg" in out.read_text()
    # In the shop's language unless asked otherwise (the test shop is Vietnamese).
    assert "Báo cáo hậu mãi" in out.read_text() and "tháng 10/2026" in out.read_text()
    english = careloop(
        db_url, "report", "--shop", "acme", "--month", "2026-10", "--out", str(out), "--lang", "en"
    )
    assert english.returncode == 0, english.stderr
    assert "After-sales review" in out.read_text() and "October 2026" in out.read_text()


def test_the_nightly_task_runs_once_per_shop_per_local_day(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    with ctx.sessions() as s, s.begin():
        add_buyer(s, shop, "A", [(clock.now() - timedelta(days=3), 100_000)])
    # START is 10:00 in Ho Chi Minh City: past the nightly hour, so it runs now.
    assert nightly_segments(ctx) == 1
    assert nightly_segments(ctx) == 0
    clock.advance(timedelta(hours=15))  # 01:00 next local day: not yet
    assert nightly_segments(ctx) == 0
    clock.advance(timedelta(hours=2))
    assert nightly_segments(ctx) == 1
    with ctx.sessions() as s:
        assert s.scalar(select(func.count()).select_from(SegmentRun)) == 2
        assert s.scalar(select(func.count()).select_from(CustomerSegment)) == 1


def test_clv_fit_on_a_dozen_customers_says_the_model_is_not_trustworthy_and_shows_history(
    ctx: AppContext, db_url: str, shop: Shop, clock: VirtualClock
) -> None:
    with ctx.sessions() as s, s.begin():
        for i in range(12):
            orders = [(clock.now() - timedelta(days=4 * i + 1), 100_000)]
            if i < 3:
                orders.append((clock.now() - timedelta(days=120), 60_000))
            add_buyer(s, shop, f"C{i}", orders)
    result = careloop(db_url, "clv", "fit", "--shop", "acme")
    assert result.returncode == 0, result.stderr
    out = " ".join(result.stdout.split())
    assert "The CLV model is not trustworthy on this data" in out
    assert "Too little data for a CLV model: 12 customers, 3 repeat buyers" in out
    assert "Historical CLV (mean spend per customer so far): 115,000" in out
    assert "BG/NBD" not in out
    fit = json.loads(careloop(db_url, "clv", "fit", "--shop", "acme", "--json").stdout)
    assert fit["bgnbd"] is None and fit["historical_clv_mean_minor"] == 115_000


def test_the_segments_table_names_each_strategys_seed_and_journeys(
    ctx: AppContext, db_url: str, shop: Shop, clock: VirtualClock
) -> None:
    with ctx.sessions() as s, s.begin():
        add_buyer(s, shop, "A", [(clock.now() - timedelta(days=1), 100_000)])
    result = careloop(db_url, "segments", "--shop", "acme")
    assert result.returncode == 0, result.stderr
    assert "seeds/000" in result.stdout and "golden_hours" in result.stdout
