from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.customers.timeline import record_event
from careloop.metrics.cohorts import cohorts
from careloop.metrics.service import compute_kpis
from careloop.shops.models import Shop
from tests.segments.factories import add_buyer


def _event(
    s: Session,
    clock: VirtualClock,
    shop: Shop,
    cid: int | None,
    type: str,
    at: datetime,
    **payload: Any,
) -> None:
    record_event(
        session=s,
        clock=clock,
        shop_id=shop.id,
        customer_id=cid,
        type=type,
        occurred_at=at,
        payload=payload,
    )


def _period(clock: VirtualClock) -> tuple[datetime, datetime]:
    end = clock.now()
    return end - timedelta(days=30), end


def test_kpis_follow_the_design_definitions(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    start, end = _period(clock)
    day = start + timedelta(days=5)
    with ctx.sessions() as s, s.begin():
        a = add_buyer(s, shop, "A", [(day, 100_000), (day + timedelta(days=3), 50_000)])
        b = add_buyer(s, shop, "B", [(day, 300_000)])
        add_buyer(s, shop, "C", [(day + timedelta(days=1), 150_000)])
        add_buyer(s, shop, "D", [(day - timedelta(days=60), 80_000)])  # before the period
        for score in (10, 9, 7, 3):
            _event(s, clock, shop, a.id, "survey.answered", day, kind="nps", score=score)
        for score in (5, 4, 2):
            _event(s, clock, shop, a.id, "survey.answered", day, kind="csat", score=score)
        for rating in (5, 5, 4, 1):
            _event(s, clock, shop, b.id, "review.posted", day, rating=rating, platform="shopee")
        _event(s, clock, shop, a.id, "referral.converted", day, referral_id=1)
        _event(s, clock, shop, a.id, "ticket.opened", day, ticket_id=7)
        _event(s, clock, shop, a.id, "ticket.answered", day + timedelta(hours=2), ticket_id=7)
        _event(s, clock, shop, a.id, "ticket.resolved", day + timedelta(hours=5), ticket_id=7)
        _event(s, clock, shop, b.id, "ticket.opened", day, ticket_id=8)
        _event(s, clock, shop, b.id, "ticket.answered", day + timedelta(hours=4), ticket_id=8)
        _event(s, clock, shop, b.id, "ticket.answered", day + timedelta(hours=9), ticket_id=8)
        _event(s, clock, shop, b.id, "ticket.resolved", day + timedelta(hours=10), ticket_id=8)
        report = compute_kpis(session=s, shop=s.merge(shop), start=start, end=end)
    v = report.values()
    assert v["nps"] == 25.0  # 2 promoters, 1 detractor, 4 answers
    assert v["csat"] == pytest.approx(2 / 3, abs=1e-4)
    assert v["repeat_purchase_rate"] == pytest.approx(1 / 3, abs=1e-4)
    # 4 orders / 3 buyers in the period, not extrapolated to a year.
    assert v["purchase_frequency"] == pytest.approx(4 / 3, abs=1e-4)
    # The period's buyers A, B, C (D bought before it): their spend up to the period end.
    assert v["clv_historical_mean"] == pytest.approx((150_000 + 300_000 + 150_000) / 3)
    assert v["referral_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert v["review_score"] == 3.75
    assert v["review_positive_pct"] == 0.75
    assert v["review_negative_pct"] == 0.25
    assert v["frt_median_hours"] == 3.0
    assert v["ttr_median_hours"] == 7.5
    assert v["fcr_rate"] == 0.5
    # Four answers are under the default minimum of 30: shown, but not judged.
    assert report.kpis["nps"].target == 50 and report.kpis["nps"].meets_target is None
    assert report.kpis["nps"].status == "too_few"
    assert report.details["tickets"]["frt_p90_hours"] == pytest.approx(3.8)


def test_a_shop_with_no_feedback_or_tickets_gets_nulls_with_reasons(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    start, end = _period(clock)
    with ctx.sessions() as s:
        report = compute_kpis(session=s, shop=shop, start=start, end=end)
    for key, kpi in report.kpis.items():
        assert kpi.value is None, key
        assert kpi.reason, key
    spend = report.details["after_sales_spend"]
    assert spend["share"] is None and spend["reason"]


def test_churn_is_the_share_of_the_previous_windows_buyers_who_did_not_buy_in_the_period(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    """Period [now - 90 d, now): the window before it is [now - 180 d, now - 90 d)."""
    now = clock.now()
    with ctx.sessions() as s, s.begin():
        add_buyer(s, shop, "STAY", [(now - timedelta(days=120), 1), (now - timedelta(days=10), 1)])
        add_buyer(s, shop, "GONE1", [(now - timedelta(days=100), 1)])
        add_buyer(s, shop, "GONE2", [(now - timedelta(days=150), 1)])
        add_buyer(s, shop, "NEW", [(now - timedelta(days=5), 1)])
        report = compute_kpis(
            session=s, shop=s.merge(shop), start=now - timedelta(days=90), end=now
        )
    assert report.values()["churn_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert report.kpis["churn_rate"].sample == 3


def test_after_sales_spend_is_compared_with_the_band_for_the_business_model(
    ctx: AppContext, make_shop: Any, clock: VirtualClock
) -> None:
    saas = make_shop("soft", business_model="saas")
    start, end = _period(clock)
    with ctx.sessions() as s, s.begin():
        c = add_buyer(s, saas, "A", [(start + timedelta(days=1), 1_000_000)])
        _event(
            s,
            clock,
            saas,
            c.id,
            "coupon.redeemed",
            start + timedelta(days=2),
            discount_minor=50_000,
        )
        report = compute_kpis(session=s, shop=s.merge(saas), start=start, end=end)
    spend = report.details["after_sales_spend"]
    assert spend["share"] == 0.05
    assert spend["band"] == {"low": 0.08, "high": 0.12}
    assert spend["status"] == "below band"


def test_cohorts_give_repeat_rate_and_monthly_retention_by_first_purchase_month(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    now = clock.now()  # 2026-11-02
    with ctx.sessions() as s, s.begin():
        add_buyer(
            s,
            shop,
            "A",
            [
                (datetime.fromisoformat("2026-08-05T05:00+00:00"), 10),
                (datetime.fromisoformat("2026-09-05T05:00+00:00"), 10),
            ],
        )
        add_buyer(s, shop, "B", [(datetime.fromisoformat("2026-08-10T05:00+00:00"), 30)])
        found = cohorts(session=s, shop=s.merge(shop), end=now)
    aug = found[0]
    assert aug.month == "2026-08" and aug.customers == 2
    assert aug.repeat_purchase_rate == 0.5
    assert aug.retention[:3] == [0.5, 0.0, 0.0]


def test_the_kpi_api_answers_with_every_design_key(api: TestClient) -> None:
    r = api.get("/api/v1/kpis", params={"from": "2026-10-01", "to": "2026-10-31"})
    assert r.status_code == 200
    body = r.json()
    assert body["nps"] is None and body["kpis"]["nps"]["reason"]
    assert "repeat_purchase_rate" in body and "by_cohort" in body


def test_the_kpi_api_names_a_bad_date(api: TestClient) -> None:
    r = api.get("/api/v1/kpis", params={"from": "October"})
    assert r.status_code == 422
    assert "from" in str(r.json())
    r = api.get("/api/v1/kpis", params={"from": "2026-10-31", "to": "2026-10-01"})
    assert r.status_code == 422


def test_the_kpi_api_needs_the_shop_key(app_client: TestClient) -> None:
    assert app_client.get("/api/v1/kpis").status_code == 401
