"""The CLV models reproduce the published CDNOW estimates.

Data: tests/fixtures/cdnow/CDNOW_sample.txt (see SOURCE.md there: the `lifetimes` package's
copy of Fader & Hardie's 1/10 CDNOW sample, MIT licence). References:
- Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way", Marketing Science
  24(2), section 5: weekly unit, calibration period to 1997-09-30, r = 0.243,
  alpha = 4.414, a = 0.793, b = 2.426, log-likelihood -9582.4.
- Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value": p = 6.25, q = 3.74,
  gamma = 15.44 on the 946 repeat buyers (also CLVTools tests/testthat/test_correctness_gg.R).
"""

from __future__ import annotations

import json
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import insert

from careloop.context import AppContext
from careloop.orders.models import Order
from careloop.segments import bgnbd, gammagamma
from careloop.segments.summary import in_units, summarize
from careloop.shops.models import Shop
from tests.cli_runner import careloop
from tests.segments.factories import add_customer

SAMPLE = Path(__file__).parents[1] / "fixtures" / "cdnow" / "CDNOW_sample.txt"
CALIBRATION_END = date(1997, 9, 30)
PAPER_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PAPER_BGNBD_LL = -9582.4
NOTE_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}


def _rows() -> list[tuple[int, date, float]]:
    rows = []
    for line in SAMPLE.read_text().splitlines():
        _, customer, day, _, dollars = line.split()
        rows.append(
            (int(customer), date(int(day[:4]), int(day[4:6]), int(day[6:])), float(dollars))
        )
    return rows


def _three_figures(ours: float, published: float) -> bool:
    return float(f"{ours:.3g}") == float(f"{published:.3g}")


def _check(bg: dict[str, float], gg: dict[str, float], money_scale: float = 1.0) -> None:
    for name, published in PAPER_BGNBD.items():
        assert _three_figures(bg[name], published), (name, bg[name])
    assert round(bg["log_likelihood"], 1) == PAPER_BGNBD_LL
    for name, published in NOTE_GAMMA_GAMMA.items():
        value = gg[name] / money_scale if name == "gamma" else gg[name]
        assert _three_figures(value, published), (name, value)


def test_cdnow_summary_counts_946_repeat_buyers_and_reproduces_the_published_fits() -> None:
    rows = _rows()
    summary = summarize(
        [c for c, _, _ in rows],
        [d.toordinal() for _, d, _ in rows],
        [v for _, _, v in rows],
        CALIBRATION_END.toordinal(),
    )
    weeks = in_units(summary, 7)
    assert summary.n == 2357
    assert summary.repeaters == 946
    # Customer 1 (first purchase 1997-01-01): T = 272 days = 38.86 weeks, as in the paper.
    assert round(float(weeks.T[0]), 2) == 38.86
    bg = bgnbd.fit(weeks.x, weeks.t_x, weeks.T)
    gg = gammagamma.fit(weeks.x, weeks.m)
    _check(bg.__dict__, gg.__dict__)


def test_clv_fit_in_weeks_on_the_cdnow_orders_reproduces_the_published_estimates(
    ctx: AppContext, db_url: str, shop: Shop
) -> None:
    """End to end: the sample as a shop's orders (cents), `careloop clv fit --unit week`."""
    tz = ZoneInfo(shop.timezone)
    by_customer: dict[int, list[tuple[date, float]]] = {}
    for customer, day, dollars in _rows():
        by_customer.setdefault(customer, []).append((day, dollars))
    with ctx.sessions() as s, s.begin():
        orders = []
        for number, purchases in by_customer.items():
            first = datetime.combine(purchases[0][0], time(12), tz)
            c = add_customer(s, shop, f"CD{number}", created_at=first)
            for j, (day, dollars) in enumerate(purchases):
                at = datetime.combine(day, time(12), tz)
                orders.append(
                    {
                        "shop_id": shop.id,
                        "external_id": f"CD{number}-{j}",
                        "customer_id": c.id,
                        "status": "delivered",
                        "currency": shop.currency,
                        "total_minor": round(dollars * 100),
                        "discount_codes": [],
                        "placed_at": at,
                        "created_at": at,
                        "updated_at": at,
                    }
                )
        s.execute(insert(Order), orders)
    result = careloop(
        db_url, "clv", "fit", "--shop", "acme", "--as-of", "1997-09-30", "--unit", "week", "--json"
    )
    assert result.returncode == 0, result.stderr
    fit = json.loads(result.stdout)
    assert fit["customers"] == 2357
    assert fit["repeat_buyers"] == 946
    # Orders are in cents: gamma scales with money (p and q do not).
    _check(fit["bgnbd"], fit["gamma_gamma"], money_scale=100.0)
    assert np.isfinite(fit["gamma_gamma"]["log_likelihood"])
