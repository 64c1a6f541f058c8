"""Every after-sales KPI of a shop for exactly a period [start, end), with targets, sample
sizes and 95% intervals, as DESIGN.md and metrics/definitions.py define them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from careloop.metrics import sources
from careloop.metrics.definitions import (
    KPIS,
    KpiValue,
    csat,
    kpi_value,
    mean_interval,
    min_sample_for,
    nps,
    nps_interval,
    purchase_frequency,
    quantile,
    share,
    targets_for,
    with_targets,
)
from careloop.metrics.extras import after_sales_spend, message_funnel, uplift_by_journey
from careloop.metrics.sources import Event
from careloop.shops.models import Shop

HOUR = 3600.0
TICKET_TYPES = ("ticket.opened", "ticket.answered", "ticket.resolved", "ticket.reopened")


@dataclass
class KpiReport:
    shop: str
    start: datetime
    end: datetime
    kpis: dict[str, KpiValue]
    details: dict[str, Any] = field(default_factory=dict)

    def values(self) -> dict[str, float | None]:
        return {k: v.value for k, v in self.kpis.items()}

    def as_dict(self) -> dict[str, Any]:
        return {
            "shop": self.shop,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "kpis": {k: v.as_dict() for k, v in self.kpis.items()},
            **self.values(),
            "details": self.details,
        }


def compute_kpis(*, session: Session, shop: Shop, start: datetime, end: datetime) -> KpiReport:
    """All KPIs for [start, end). Each is null with a reason when there is no data."""
    period_sales = sources.period_sales(session, shop.id, start=start, end=end)
    customers, total = sources.period_buyers_lifetime_spend(session, shop.id, start=start, end=end)
    found: dict[str, KpiValue] = {}
    found.update(_surveys(session, shop, start, end))
    found.update(_purchases(period_sales))
    found["churn_rate"] = _churn(session, shop, start, end)
    found.update(_clv(customers, total))
    support, support_detail = _tickets(session, shop, start, end)
    found.update(support)
    found["referral_rate"] = _referrals(session, shop, start, end, period_sales.buyers)
    found["referral_conversion"] = _referral_conversion(session, shop, start, end)
    found.update(_reviews(session, shop, start, end))
    # Judged against the shop's own targets (the seeds' unless the owner changed them) and
    # its minimum sample for a rate or score.
    kpis = with_targets(
        {k: found[k] for k in KPIS}, targets_for(shop.settings), min_sample_for(shop.settings)
    )
    report = KpiReport(shop.slug, start, end, kpis)
    report.details = {
        "tickets": support_detail,
        "message_funnel": message_funnel(session=session, shop=shop, start=start, end=end),
        "uplift": uplift_by_journey(session=session, shop=shop, start=start, end=end),
        "after_sales_spend": after_sales_spend(
            session=session,
            shop=shop,
            start=start,
            end=end,
            revenue_minor=period_sales.revenue_minor,
        ),
    }
    return report


def _surveys(session: Session, shop: Shop, start: datetime, end: datetime) -> dict[str, KpiValue]:
    answers = sources.events(session, shop.id, ("survey.answered",), start=start, end=end)
    nps_scores, csat_scores = [], []
    for e in answers:
        score = sources.number(e.payload, "score")
        if score is None:
            continue
        kind = e.payload.get("kind")
        if kind == "nps" and 0 <= score <= 10:
            nps_scores.append(int(score))
        elif kind == "csat" and 1 <= score <= 5:
            csat_scores.append(int(score))
    return {
        "nps": kpi_value(
            "nps",
            nps(nps_scores),
            len(nps_scores),
            None if nps_scores else "no NPS answers in the period",
            interval=nps_interval(nps_scores),
        ),
        "csat": kpi_value(
            "csat",
            csat(csat_scores),
            len(csat_scores),
            None if csat_scores else "no CSAT answers in the period",
        ),
    }


def _purchases(sales: sources.PeriodSales) -> dict[str, KpiValue]:
    buyers = sales.buyers
    freq = purchase_frequency(sales.orders, buyers)
    reason = None if buyers else "no orders in the period"
    return {
        "repeat_purchase_rate": kpi_value(
            "repeat_purchase_rate", share(sales.repeaters, buyers), buyers, reason
        ),
        "purchase_frequency": kpi_value("purchase_frequency", freq, buyers, reason),
    }


def _churn(session: Session, shop: Shop, start: datetime, end: datetime) -> KpiValue:
    """DESIGN's churn for exactly the period asked, counted in SQL: of the customers with a
    sale in the window just before the period (as long as the period), the share with none
    in the period [start, end)."""
    window = end - start
    # active_counts takes (start, middle] and (middle, end]: shift by a microsecond so the
    # windows are [start - window, start) and [start, end).
    last = end - timedelta(microseconds=1)
    before, gone = sources.active_counts(
        session, shop.id, start=last - 2 * window, middle=last - window, end=last
    )
    if not before:
        reason = "no customer bought in the window before the period"
        return kpi_value("churn_rate", None, 0, reason)
    return kpi_value("churn_rate", gone / before, before)


def _clv(customers: int, total: int) -> dict[str, KpiValue]:
    # Summed in the database: every sale up to `end` is far too many rows for Python.
    mean = total / customers if customers else None
    return {
        "clv_historical_mean": kpi_value(
            "clv_historical_mean",
            mean,
            customers,
            None if customers else "no orders in the period",
        )
    }


def _tickets(
    session: Session, shop: Shop, start: datetime, end: datetime
) -> tuple[dict[str, KpiValue], dict[str, Any]]:
    by_ticket: dict[str, list[Event]] = defaultdict(list)
    for e in sources.events(session, shop.id, TICKET_TYPES, end=end):
        ticket = e.payload.get("ticket_id")
        if ticket is not None:
            by_ticket[str(ticket)].append(e)
    calendar = _calendar(shop)
    frt, ttr, frt_bh, ttr_bh = [], [], [], []
    resolved_in_period = fcr = 0
    for evs in by_ticket.values():
        opened = next((e.occurred_at for e in evs if e.type == "ticket.opened"), None)
        if opened is None:
            continue
        answers = [e.occurred_at for e in evs if e.type == "ticket.answered"]
        resolved = [e.occurred_at for e in evs if e.type == "ticket.resolved"]
        if start <= opened < end and answers:
            frt.append((answers[0] - opened).total_seconds() / HOUR)
            frt_bh.append(_business_hours(calendar, opened, answers[0]))
        if resolved and start <= resolved[-1] < end:
            resolved_in_period += 1
            ttr.append((resolved[-1] - opened).total_seconds() / HOUR)
            ttr_bh.append(_business_hours(calendar, opened, resolved[-1]))
            reopened = any(e.type == "ticket.reopened" for e in evs)
            if len(answers) <= 1 and not reopened:
                fcr += 1
    none_opened = "no tickets answered in the period" if not frt else None
    none_resolved = "no tickets resolved in the period" if not ttr else None
    kpis = {
        "frt_median_hours": kpi_value(
            "frt_median_hours", quantile(frt, 0.5), len(frt), none_opened
        ),
        "ttr_median_hours": kpi_value(
            "ttr_median_hours", quantile(ttr, 0.5), len(ttr), none_resolved
        ),
        "fcr_rate": kpi_value(
            "fcr_rate", share(fcr, resolved_in_period), resolved_in_period, none_resolved
        ),
    }
    detail = {
        "frt_p90_hours": quantile(frt, 0.9),
        "ttr_p90_hours": quantile(ttr, 0.9),
        "frt_median_business_hours": quantile(frt_bh, 0.5) if calendar else None,
        "frt_p90_business_hours": quantile(frt_bh, 0.9) if calendar else None,
        "ttr_median_business_hours": quantile(ttr_bh, 0.5) if calendar else None,
        "ttr_p90_business_hours": quantile(ttr_bh, 0.9) if calendar else None,
    }
    return kpis, detail


def _calendar(shop: Shop) -> Any:
    """The shop's business-hours calendar (support capability), or None if unavailable."""
    try:
        from careloop.support.calendar import BusinessCalendar
    except ImportError:
        return None
    raw = (shop.settings or {}).get("business_hours")
    try:
        return BusinessCalendar.from_dict(raw) if raw else BusinessCalendar.vietnam_default()
    except Exception:
        return None


def _business_hours(calendar: Any, start: datetime, end: datetime) -> float:
    if calendar is None:
        return 0.0
    from careloop.support.calendar import business_time_between

    return float(business_time_between(calendar, start, end).total_seconds() / HOUR)


def _referrals(
    session: Session, shop: Shop, start: datetime, end: datetime, buyers: int
) -> KpiValue:
    if not buyers:
        return kpi_value("referral_rate", None, 0, "no orders in the period")
    advocates = sources.converted_referrers_with_sales(session, shop.id, start=start, end=end)
    return kpi_value("referral_rate", advocates / buyers, buyers)


def _referral_conversion(session: Session, shop: Shop, start: datetime, end: datetime) -> KpiValue:
    recorded = {
        str(e.payload.get("referral_id"))
        for e in sources.events(session, shop.id, ("referral.recorded",), start=start, end=end)
        if e.payload.get("referral_id") is not None
    }
    if not recorded:
        return kpi_value("referral_conversion", None, 0, "no referrals recorded in the period")
    converted = {
        str(e.payload.get("referral_id"))
        for e in sources.events(session, shop.id, ("referral.converted",), start=start, end=end)
    }
    return kpi_value(
        "referral_conversion", len(recorded & converted) / len(recorded), len(recorded)
    )


def _reviews(session: Session, shop: Shop, start: datetime, end: datetime) -> dict[str, KpiValue]:
    ratings = []
    for e in sources.events(session, shop.id, ("review.posted",), start=start, end=end):
        r = sources.number(e.payload, "rating")
        if r is not None and 1 <= r <= 5:
            ratings.append(r)
    n = len(ratings)
    reason = None if n else "no reviews in the period"
    return {
        "review_score": kpi_value(
            "review_score",
            sum(ratings) / n if n else None,
            n,
            reason,
            interval=mean_interval(ratings, 1.0, 5.0),
        ),
        "review_positive_pct": kpi_value(
            "review_positive_pct", share(sum(1 for r in ratings if r >= 4), n), n, reason
        ),
        "review_negative_pct": kpi_value(
            "review_negative_pct", share(sum(1 for r in ratings if r <= 2), n), n, reason
        ),
    }
