"""The overview dashboard's figures: KPI tiles against targets and the chart series.

Pure assembly over the metrics capability; every query is scoped by the shop."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from careloop.metrics import sources
from careloop.metrics.cohorts import cohorts, month_index, month_label
from careloop.metrics.definitions import KpiValue, nps
from careloop.metrics.periods import month_period
from careloop.metrics.service import compute_kpis
from careloop.metrics.svg import heatmap
from careloop.orders.models import Order
from careloop.shops.models import Shop
from careloop.support.models import Ticket
from careloop.web.i18n import has_message, t
from careloop.web.ui.format import (
    format_hours,
    format_month_label,
    format_number,
    format_percent,
)

KPI_DAYS = 30
TREND_MONTHS = 6
TILE_KEYS = (
    "nps",
    "csat",
    "repeat_purchase_rate",
    "churn_rate",
    "frt_median_hours",
    "referral_rate",
)
FUNNEL_STAGES = ("sent", "delivered", "opened", "clicked", "converted")


@dataclass(frozen=True)
class Tile:
    key: str
    label: str
    value: str
    target: str
    status: str  # "ok", "bad", "few" (too few answers: greyed, not judged) or "none"
    reason: str
    formula: str = ""  # shown next to the figure
    sample: str = ""  # "n = 12, 95%: 40% to 71%"
    # The figures themselves, so each viewer reads them in their own conventions.
    unit: str = ""
    raw: float | None = None
    target_raw: float | None = None
    direction: str = ""
    sample_n: int | None = None
    ci_low: float | None = None
    ci_high: float | None = None


def format_kpi(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "fraction":
        return f"{value:.0%}"
    if unit == "hours":
        return f"{value:.1f} h"
    if unit == "money":
        return f"{value:,.0f}"
    return f"{value:g}" if unit == "score" else f"{value:.2f}"


def tile_for(kpi: KpiValue) -> Tile:
    target = ""
    if kpi.target is not None:
        sign = "≥" if kpi.target_direction == "at_least" else "≤"
        target = f"{sign} {format_kpi(kpi.target, kpi.unit)}"
    status = "none" if kpi.meets_target is None else ("ok" if kpi.meets_target else "bad")
    if kpi.too_few_answers:
        status = "few"
    sample = ""
    if kpi.value is not None and kpi.min_sample is not None:
        sample = f"n = {kpi.sample}"
        if kpi.ci_low is not None and kpi.ci_high is not None:
            low, high = format_kpi(kpi.ci_low, kpi.unit), format_kpi(kpi.ci_high, kpi.unit)
            sample += f", 95%: {low} to {high}"
    return Tile(
        kpi.key,
        kpi.label,
        format_kpi(kpi.value, kpi.unit),
        target,
        status,
        kpi.reason or "",
        kpi.formula,
        sample,
        unit=kpi.unit,
        raw=kpi.value,
        target_raw=kpi.target,
        direction=kpi.target_direction or "",
        sample_n=kpi.sample if kpi.value is not None and kpi.min_sample is not None else None,
        ci_low=kpi.ci_low,
        ci_high=kpi.ci_high,
    )


def format_kpi_local(value: float | None, unit: str, locale: str) -> str:
    """A KPI figure in the viewer's conventions: '69%' / '1,5 giờ' / '81.554.000'."""
    if value is None:
        return "—"
    if unit == "fraction":
        return format_percent(value, locale, digits=0)
    if unit == "hours":
        return format_hours(value, locale)
    if unit == "money":
        return format_number(value, locale)
    return format_number(value, locale, digits=1 if unit == "score" else 2)


def _reason_key(reason: str) -> str:
    return "kpi.reason." + "_".join(reason.lower().split())


def localised_tile(tile: Tile, locale: str) -> Tile:
    """The tile in the viewer's language and number conventions (a snapshot of older shape,
    without the raw figures, keeps its stored text)."""
    key = tile.key
    label = t(f"kpi.{key}.label", locale) if has_message(f"kpi.{key}.label") else tile.label
    formula = tile.formula
    if tile.formula and has_message(f"kpi.{key}.definition"):
        formula = t(f"kpi.{key}.definition", locale)
    reason = (
        t(_reason_key(tile.reason), locale)
        if has_message(_reason_key(tile.reason))
        else tile.reason
    )
    if not tile.unit:
        return replace(tile, label=label, formula=formula, reason=reason)
    target = tile.target
    if tile.target_raw is not None:
        sign = "≥" if tile.direction == "at_least" else "≤"
        target = f"{sign} {format_kpi_local(tile.target_raw, tile.unit, locale)}"
    sample = tile.sample
    if tile.sample_n is not None:
        sample = t("kpi.sample", locale, n=format_number(tile.sample_n, locale))
        if tile.ci_low is not None and tile.ci_high is not None:
            sample += t(
                "kpi.interval",
                locale,
                low=format_kpi_local(tile.ci_low, tile.unit, locale),
                high=format_kpi_local(tile.ci_high, tile.unit, locale),
            )
    return replace(
        tile,
        label=label,
        value=format_kpi_local(tile.raw, tile.unit, locale),
        target=target,
        reason=reason,
        formula=formula,
        sample=sample,
    )


def chart_json(config: dict[str, Any]) -> str:
    """A Chart.js config for `<script type="application/json">`; `</` cannot end the tag."""
    # Fill the fixed-height box instead of keeping the canvas's default aspect ratio.
    config.setdefault("options", {})["maintainAspectRatio"] = False
    return json.dumps(config).replace("</", "<\\/")


def _months(now: datetime, tz: ZoneInfo) -> list[int]:
    last = month_index(now, tz)
    return list(range(last - TREND_MONTHS + 1, last + 1))


def revenue_new_vs_returning(
    session: Session, shop: Shop, now: datetime
) -> tuple[list[str], list[int], list[int]]:
    """Per month: revenue from customers in their first-order month vs everyone else.

    Summed in SQL with the months' UTC bounds (shop time) as CASE arms, so it works the
    same on SQLite and PostgreSQL: one pass over the shop's sales in customer order (a
    covering index) gives each customer's first sale and spend per month, and the outer
    query splits each month's spend by whether the customer's first sale was in it."""
    tz = ZoneInfo(shop.timezone)
    months = _months(now, tz)
    bounds = [month_period(shop, month_label(m)) for m in months]
    per_customer = (
        select(
            func.min(Order.placed_at).label("first_at"),
            *(
                func.sum(
                    case(
                        ((Order.placed_at >= start) & (Order.placed_at < end), Order.total_minor),
                        else_=0,
                    )
                ).label(f"s{i}")
                for i, (start, end) in enumerate(bounds)
            ),
        )
        .where(
            Order.shop_id == shop.id,
            Order.status.not_in(sources.NOT_SALES),
            Order.placed_at < now,
        )
        .group_by(Order.customer_id)
        .subquery()
    )
    first_at = per_customer.c.first_at
    sums = []
    for i, (start, _end) in enumerate(bounds):
        spent = per_customer.c[f"s{i}"]
        sums.append(func.sum(case((first_at >= start, spent), else_=0)))
        sums.append(func.sum(case((first_at < start, spent), else_=0)))
    row = session.execute(select(*sums)).one()
    values = [int(v or 0) for v in row]
    return [month_label(m) for m in months], values[0::2], values[1::2]


def nps_trend(session: Session, shop: Shop, now: datetime) -> tuple[list[str], list[float | None]]:
    tz = ZoneInfo(shop.timezone)
    months = _months(now, tz)
    scores: dict[int, list[int]] = defaultdict(list)
    start = now - timedelta(days=31 * (TREND_MONTHS + 1))
    for e in sources.events(session, shop.id, ("survey.answered",), start=start, end=now):
        score = sources.number(e.payload, "score")
        if e.payload.get("kind") == "nps" and score is not None and 0 <= score <= 10:
            scores[month_index(e.occurred_at, tz)].append(int(score))
    return [month_label(m) for m in months], [nps(scores[m]) if scores[m] else None for m in months]


def sla_compliance(
    session: Session, shop: Shop, now: datetime
) -> tuple[list[str], list[float | None]]:
    """Per month: the share of tickets opened that month that never breached their SLA."""
    tz = ZoneInfo(shop.timezone)
    months = _months(now, tz)
    start = now - timedelta(days=31 * (TREND_MONTHS + 1))
    total: dict[int, int] = defaultdict(int)
    kept: dict[int, int] = defaultdict(int)
    rows = session.execute(
        select(Ticket.created_at, Ticket.breached_at).where(
            Ticket.shop_id == shop.id, Ticket.created_at >= start, Ticket.created_at < now
        )
    ).all()
    for created, breached in rows:
        m = month_index(sources.aware(created), tz)
        total[m] += 1
        kept[m] += breached is None
    return [month_label(m) for m in months], [
        round(100 * kept[m] / total[m], 1) if total[m] else None for m in months
    ]


def funnel_totals(rows: list[dict[str, Any]]) -> list[int]:
    return [sum(int(r.get(stage) or 0) for r in rows) for stage in FUNNEL_STAGES]


def overview_figures(session: Session, shop: Shop, now: datetime) -> dict[str, Any]:
    """Everything the overview shows besides recent activity, as JSON-able data in no
    particular language (kept as a snapshot; `overview_view` dresses it for a viewer)."""
    from careloop.web.ui.queries import shop_counts

    report = compute_kpis(session=session, shop=shop, start=now - timedelta(days=KPI_DAYS), end=now)
    labels, new, returning = revenue_new_vs_returning(session, shop, now)
    nps_labels, nps_values = nps_trend(session, shop, now)
    sla_labels, sla_values = sla_compliance(session, shop, now)
    found = cohorts(session=session, shop=shop, end=now)
    has_tickets = bool(
        session.scalar(select(func.count(Ticket.id)).where(Ticket.shop_id == shop.id))
    )
    counts = shop_counts(session, shop)
    return {
        "counts": {
            "customers": counts.customers,
            "orders": counts.orders,
            "revenue_minor": counts.revenue_minor,
        },
        "tiles": [asdict(tile_for(report.kpis[k])) for k in TILE_KEYS if k in report.kpis],
        "revenue": {"labels": labels, "new": new, "returning": returning},
        "nps": {"labels": nps_labels, "values": nps_values},
        "sla": {"labels": sla_labels, "values": sla_values},
        "funnel": funnel_totals(report.details["message_funnel"]),
        "cohorts": {"months": [c.month for c in found], "retention": [c.retention for c in found]},
        "has_tickets": has_tickets,
    }


def dashboard(
    session: Session, shop: Shop, now: datetime, words: Mapping[str, str]
) -> dict[str, Any]:
    """Everything the overview shows besides the counts and recent activity."""
    return overview_view(overview_figures(session, shop, now), words)


def overview_view(
    figures: Mapping[str, Any], words: Mapping[str, str], locale: str = "en"
) -> dict[str, Any]:
    """The overview's template values from its figures, in the viewer's words; months read
    as the viewer says them ('tháng 11/2026', 'November 2026'), never '2026-11'."""

    def months_of(labels: list[str]) -> list[str]:
        return [format_month_label(m, locale) for m in labels]

    labels = months_of(figures["revenue"]["labels"])
    new, returning = figures["revenue"]["new"], figures["revenue"]["returning"]
    nps_labels, nps_values = months_of(figures["nps"]["labels"]), figures["nps"]["values"]
    sla_labels, sla_values = months_of(figures["sla"]["labels"]), figures["sla"]["values"]
    funnel = figures["funnel"]
    months, retention = figures["cohorts"]["months"], figures["cohorts"]["retention"]
    return {
        "counts": figures["counts"],
        "tiles": [localised_tile(Tile(**tile), locale) for tile in figures["tiles"]],
        "revenue_chart": chart_json(
            {
                "type": "bar",
                "data": {
                    "labels": labels,
                    "datasets": [
                        {"label": words["new"], "data": new, "backgroundColor": "#3b7dd8"},
                        {
                            "label": words["returning"],
                            "data": returning,
                            "backgroundColor": "#17803d",
                        },
                    ],
                },
                "options": {"scales": {"x": {"stacked": True}, "y": {"stacked": True}}},
            }
        ),
        "has_revenue": any(new) or any(returning),
        "nps_chart": chart_json(
            {
                "type": "line",
                "data": {
                    "labels": nps_labels,
                    "datasets": [
                        {"label": "NPS", "data": nps_values, "borderColor": "#7a4fd1"},
                        {
                            "label": t("dash.target", locale),
                            "data": [50] * len(nps_labels),
                            "borderColor": "#b42318",
                            "borderDash": [4, 4],
                            "pointRadius": 0,
                        },
                    ],
                },
                "options": {"scales": {"y": {"min": -100, "max": 100}}},
            }
        ),
        "has_nps": any(v is not None for v in nps_values),
        "funnel_chart": chart_json(
            {
                "type": "bar",
                "data": {
                    "labels": [words[s] for s in FUNNEL_STAGES],
                    "datasets": [
                        {"label": words["messages"], "data": funnel, "backgroundColor": "#3b7dd8"}
                    ],
                },
                "options": {"indexAxis": "y"},
            }
        ),
        "has_funnel": any(funnel),
        "sla_chart": chart_json(
            {
                "type": "line",
                "data": {
                    "labels": sla_labels,
                    "datasets": [
                        {
                            "label": t("dash.sla", locale),
                            "data": sla_values,
                            "borderColor": "#17803d",
                        }
                    ],
                },
                "options": {"scales": {"y": {"min": 0, "max": 100}}},
            }
        ),
        "has_sla": figures["has_tickets"],
        "cohort_svg": heatmap(
            months_of(months),
            retention,
            title=words["retention"],
            column_label=t("insights.cohort_axis", locale),
        )
        if months
        else "",
    }
