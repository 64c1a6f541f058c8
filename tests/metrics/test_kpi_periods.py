"""KPIs computed by hand for a 7-day, a 30-day and a 365-day period, the sample size and 95%
interval of every rate and score, and "too few answers" under the shop's minimum.

Definitions: DESIGN.md "Metric definitions" and metrics/definitions.py (docs/metrics.md);
NPS after Bain (promoters 9-10 minus detractors 0-6); Wilson score interval as in
Newcombe (1998), "Two-sided confidence intervals for the single proportion", Statistics in
Medicine 17:857-872, method 3 (worked example 81/263 -> 0.2553 to 0.3662)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.customers.timeline import record_event
from careloop.metrics.definitions import kpi_value, nps_interval, wilson
from careloop.metrics.report import review_body
from careloop.metrics.service import compute_kpis
from careloop.shops.models import Shop
from tests.cli_runner import careloop
from tests.segments.factories import add_buyer

K = 1_000


def _crafted_shop(ctx: AppContext, shop: Shop, now: datetime) -> None:
    """Orders (days before now, value):
    A: 2 (100k), 3 (50k), 20 (200k), 200 (100k)      B: 5 (300k)
    C: 25 (150k), 40 (20k), 100 (80k)                D: 300 (60k), 400 (40k)
    E: 10 (70k)                                      F: 45 (90k)"""
    orders = {
        "A": [(2, 100), (3, 50), (20, 200), (200, 100)],
        "B": [(5, 300)],
        "C": [(25, 150), (40, 20), (100, 80)],
        "D": [(300, 60), (400, 40)],
        "E": [(10, 70)],
        "F": [(45, 90)],
    }
    with ctx.sessions() as s, s.begin():
        for name, rows in orders.items():
            add_buyer(s, shop, name, [(now - timedelta(days=d), v * K) for d, v in rows])


def test_purchase_kpis_for_a_7_day_period_by_hand(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    now = clock.now()
    _crafted_shop(ctx, shop, now)
    with ctx.sessions() as s:
        v = compute_kpis(session=s, shop=shop, start=now - timedelta(days=7), end=now).values()
    # In the period: A twice (2, 3 days ago), B once. 3 orders / 2 buyers.
    assert v["purchase_frequency"] == 1.5
    assert v["repeat_purchase_rate"] == 0.5
    # A's spend up to now (450k) and B's (300k).
    assert v["clv_historical_mean"] == 375 * K
    # Window before: 14-7 days ago, only E (10 days), who did not buy in the period.
    assert v["churn_rate"] == 1.0


def test_purchase_kpis_for_a_30_day_period_by_hand(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    now = clock.now()
    _crafted_shop(ctx, shop, now)
    with ctx.sessions() as s:
        v = compute_kpis(session=s, shop=shop, start=now - timedelta(days=30), end=now).values()
    # A (2, 3, 20), B (5), C (25), E (10): 6 orders / 4 buyers, not 6/4 x 365/30 = 18.25.
    assert v["purchase_frequency"] == 1.5
    assert v["repeat_purchase_rate"] == 0.25
    # A 450k + B 300k + C 250k + E 70k over 4.
    assert v["clv_historical_mean"] == 267.5 * K
    # Window before: 60-30 days ago, C (40) and F (45); C came back, F did not.
    assert v["churn_rate"] == 0.5


def test_purchase_kpis_for_a_365_day_period_by_hand(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    now = clock.now()
    _crafted_shop(ctx, shop, now)
    with ctx.sessions() as s:
        v = compute_kpis(session=s, shop=shop, start=now - timedelta(days=365), end=now).values()
    # A 4, B 1, C 3, D 1 (the 400-day order is outside), E 1, F 1: 11 orders / 6 buyers.
    assert v["purchase_frequency"] == pytest.approx(11 / 6, abs=1e-4)
    assert v["repeat_purchase_rate"] == pytest.approx(2 / 6, abs=1e-4)
    # Lifetime spend to now: A 450, B 300, C 250, D 100, E 70, F 90 (k) over 6.
    assert v["clv_historical_mean"] == 210 * K
    # Window before: 730-365 days ago, only D (400), who bought again (300).
    assert v["churn_rate"] == 0.0


def test_an_at_most_target_missed_is_above_the_limit_not_below_target() -> None:
    churn = kpi_value("churn_rate", 0.697, 300)
    assert churn.target == 0.3 and churn.target_direction == "at_most"
    assert churn.meets_target is False
    assert churn.status == "missed" and churn.status_label == "above the limit"
    ok = kpi_value("churn_rate", 0.2, 300)
    assert ok.status == "met" and ok.status_label == "at or below the limit"
    assert kpi_value("nps", 40, 300).status_label == "below target"


def test_proportions_carry_the_wilson_interval_and_nps_the_difference_variance() -> None:
    low, high = wilson(81, 263)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)
    v = kpi_value("csat", 81 / 263, 263)
    assert (v.ci_low, v.ci_high) == (round(low, 4), round(high, 4))
    # 50 promoters, 30 passives, 20 detractors: NPS 30, var(p - d) = (0.7 - 0.09) / 100.
    scores = [10] * 50 + [8] * 30 + [3] * 20
    nps_low, nps_high = nps_interval(scores) or (0.0, 0.0)
    half = 1.959963984540054 * 100 * (0.61 / 100) ** 0.5
    assert nps_low == pytest.approx(30 - half) and nps_high == pytest.approx(30 + half)


def _one_nps_answer(ctx: AppContext, shop: Shop, clock: VirtualClock) -> None:
    day = clock.now() - timedelta(days=2)
    with ctx.sessions() as s, s.begin():
        a = add_buyer(s, shop, "A", [(day, 100_000)])
        record_event(
            session=s,
            clock=clock,
            shop_id=shop.id,
            customer_id=a.id,
            type="survey.answered",
            occurred_at=day,
            payload={"kind": "nps", "score": 10},
        )


def test_nps_from_one_answer_is_too_few_answers_everywhere(
    ctx: AppContext, db_url: str, shop: Shop, clock: VirtualClock, api: TestClient
) -> None:
    _one_nps_answer(ctx, shop, clock)
    with ctx.sessions() as s:
        report = compute_kpis(
            session=s, shop=shop, start=clock.now() - timedelta(days=30), end=clock.now()
        )
    nps = report.kpis["nps"]
    assert nps.value == 100.0 and nps.sample == 1
    assert nps.too_few_answers and nps.meets_target is None and nps.status == "too_few"
    assert nps.status_label.startswith("too few answers")
    # The API keeps its keys and adds the new fields.
    body = api.get("/api/v1/kpis").json()
    assert body["nps"] == 100.0
    assert body["kpis"]["nps"]["too_few_answers"] is True
    assert body["kpis"]["nps"]["min_sample"] == 30
    assert body["kpis"]["nps"]["formula"].startswith("100 x (promoters")
    # The CLI says so, and prints every formula.
    period = ("--from", "2026-10-01", "--to", "2026-10-31")
    out = careloop(db_url, "kpi", "--shop", "acme", *period)
    assert out.returncode == 0, out.stderr
    nps_row = next(line for line in out.stdout.splitlines() if "│ NPS " in line)
    assert "100" in nps_row and "too few answers (1 of at least 30)" in nps_row
    assert "NPS: 100 x (promoters (9-10) - detractors (0-6))" in out.stdout
    data = json.loads(careloop(db_url, "kpi", "--shop", "acme", *period, "--json").stdout)
    assert data["kpis"]["nps"]["status"] == "too_few"


def test_the_review_greys_a_figure_with_too_few_answers_and_shows_its_formula(
    ctx: AppContext, shop: Shop, clock: VirtualClock, tmp_path: Path
) -> None:
    _one_nps_answer(ctx, shop, clock)
    month = (clock.now() - timedelta(days=2)).strftime("%Y-%m")
    with ctx.sessions() as s:
        html = review_body(session=s, shop=shop, month=month)
    row = html.split('data-kpi="nps"')[1].split("</tr>")[0]
    assert 'class="few"' in row and "too few answers" in row
    assert "100 x (promoters (9-10) - detractors (0-6))" in row
