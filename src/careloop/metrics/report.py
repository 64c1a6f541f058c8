"""The monthly after-sales review the seeds describe (seeds/003, "Monthly After-Sales
Review"): KPIs against last month and targets, the retention cohort chart, the top 3
complaint types, customers who need attention and what each journey delivered.

`review_body` returns the HTML body so the staff UI can embed it; `review_document` wraps
it into a self-contained printable file (inline CSS and SVG, no scripts, no assets).
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from jinja2 import Environment, select_autoescape
from sqlalchemy.orm import Session

from careloop.metrics import sources
from careloop.metrics.cohorts import cohorts, month_index, month_label
from careloop.metrics.definitions import KpiValue
from careloop.metrics.periods import month_period
from careloop.metrics.service import compute_kpis
from careloop.metrics.svg import bar_chart, heatmap
from careloop.shops.models import Shop

ATTENTION_LIMIT = 15

_env = Environment(autoescape=select_autoescape(default=True), trim_blocks=True)

BODY = _env.from_string(
    """<section class="review">
<h1>After-sales review: {{ shop }} &middot; {{ month }}</h1>
<h2>KPIs against last month and targets</h2>
<table class="kpis"><tr><th>KPI</th><th>{{ month }}</th><th>95% interval (n)</th>
<th>{{ previous }}</th><th>Target</th><th></th><th>Formula</th></tr>
{% for row in kpis %}<tr data-kpi="{{ row.key }}"><td>{{ row.label }}</td>
<td class="{{ row.value_cls }}">{{ row.now }}</td>
<td class="{{ row.value_cls }}">{{ row.interval }}</td>
<td>{{ row.before }}</td><td>{{ row.target }}</td><td class="{{ row.cls }}">{{ row.status }}</td>
<td class="formula">{{ row.formula }}</td></tr>
{% endfor %}</table>
{% if notes %}<p class="note">{{ notes }}</p>{% endif %}
<div class="charts">{{ revenue_chart | safe }}</div>
<h2>Retention by first-purchase cohort</h2>
{% if cohort_chart %}<div class="charts">{{ cohort_chart | safe }}</div>
<p class="note">Share (%) of each month's new customers who ordered again N months later.</p>
{% else %}<p>No cohorts yet.</p>{% endif %}
<h2>Top complaint types</h2>
{% if complaints %}<ol class="complaints">
{% for name, n in complaints %}<li>{{ name }}: {{ n }}</li>{% endfor %}
</ol>
<p class="note">Problem types as the feedback themes classify ticket, review and comment texts.</p>
{% else %}<p>No complaints found in tickets, reviews or comments this month.</p>{% endif %}
<h2>Customers who need attention</h2>
{% if attention %}<table><tr><th>Customer</th><th>Why</th></tr>
{% for c in attention %}<tr><td>{{ c.name }}</td><td>{{ c.why }}</td></tr>{% endfor %}</table>
{% else %}<p>No one stands out this month.</p>{% endif %}
<h2>What each journey delivered</h2>
{% if funnel %}<table><tr><th>Journey</th><th>Step</th><th>Sent</th><th>Delivered</th>
<th>Opened</th><th>Clicked</th><th>Converted</th></tr>
{% for f in funnel %}<tr><td>{{ f.journey_key }}</td><td>{{ f.step_key }}</td>
<td>{{ f.sent }}</td><td>{{ f.delivered }}</td><td>{{ f.opened }}</td><td>{{ f.clicked }}</td>
<td>{{ f.converted }}</td></tr>{% endfor %}</table>
{% else %}<p>No journey messages this month.</p>{% endif %}
{% for j in uplift %}<p><b>{{ j.key }}</b>: {{ j.text }}</p>{% endfor %}
<h2>After-sales spend</h2><p>{{ spend }}</p>
</section>"""
)

DOCUMENT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin: .5em 0 1em; }}
th, td {{ border: 1px solid #ccc; padding: 4px 8px; text-align: left; font-size: 13px; }}
.ok {{ color: #17803d; }} .bad {{ color: #b42318; }} .note {{ color: #666; font-size: 12px; }}
.few {{ color: #999; }} .formula {{ color: #666; font-size: 11px; }}
h2 {{ margin-top: 1.5em; border-bottom: 1px solid #ddd; }}
@media print {{
  body {{ margin: 1cm; }} h2 {{ break-after: avoid; }} table {{ break-inside: avoid; }}
}}
</style></head><body>
{body}
</body></html>
"""


def _fmt(v: KpiValue | None) -> str:
    if v is None or v.value is None:
        return "n/a"
    return _number(v.value, v.unit)


def _number(value: float, unit: str) -> str:
    if unit == "fraction":
        return f"{value:.1%}"
    if unit == "money":
        return f"{value:,.0f}"
    if unit == "per_buyer":
        return f"{value:,.2f}"
    return f"{value:,.1f}"


def _interval(v: KpiValue) -> str:
    """ "low to high (n = sample)" for a rate or score; just the sample when no interval."""
    if v.value is None or v.min_sample is None:
        return ""
    if v.ci_low is None or v.ci_high is None:
        return f"n = {v.sample}"
    return f"{_number(v.ci_low, v.unit)} to {_number(v.ci_high, v.unit)} (n = {v.sample})"


def _target(v: KpiValue) -> str:
    if v.target is None:
        return ""
    shown = f"{v.target:.0%}" if v.unit == "fraction" else f"{v.target:g}"
    return f"at least {shown}" if v.target_direction == "at_least" else f"at most {shown}"


_STATUS_CLASS = {"met": "ok", "missed": "bad", "too_few": "few", "no_data": "few"}


def _kpi_rows(now: dict[str, KpiValue], before: dict[str, KpiValue]) -> list[dict[str, str]]:
    rows = []
    for key, v in now.items():
        rows.append(
            {
                "key": key,
                "label": v.label,
                "now": _fmt(v),
                "interval": _interval(v),
                "value_cls": "few" if v.too_few_answers else "",
                "before": _fmt(before.get(key)),
                "target": _target(v),
                "status": v.status_label,
                "cls": _STATUS_CLASS.get(v.status, ""),
                "formula": v.formula,
            }
        )
    return rows


def _complaints(
    session: Session, shop: Shop, start: datetime, end: datetime
) -> list[tuple[str, int]]:
    """Top 3 problem types of the month, classified exactly as the feedback themes
    classify tickets, reviews and comments (one call: the classifier is not copied)."""
    from careloop.feedback.insights import shop_themes

    found = [t for t in shop_themes(session, shop.id, start, end) if t.rule.polarity == "complaint"]
    return [(t.rule.label_en, t.count) for t in found[:3]]


def _attention(
    session: Session, shop: Shop, start: datetime, end: datetime
) -> list[dict[str, str]]:
    """Customers who had issues this month, then big spenders at risk of churning."""
    from sqlalchemy import select

    from careloop.customers.models import Customer
    from careloop.segments.churn import churn_risk_list

    issues: dict[int, list[str]] = {}
    kinds = ("ticket.opened", "review.posted", "survey.answered", "message.failed")
    for e in sources.events(session, shop.id, kinds, start=start, end=end):
        if e.customer_id is None:
            continue
        why = None
        if e.type == "ticket.opened":
            why = "opened a ticket"
        elif e.type == "review.posted" and (sources.number(e.payload, "rating") or 5) <= 2:
            why = "left a negative review"
        elif (
            e.type == "survey.answered"
            and e.payload.get("kind") == "nps"
            and (sources.number(e.payload, "score") or 10) <= 6
        ):
            why = "NPS detractor"
        if why:
            issues.setdefault(e.customer_id, [])
            if why not in issues[e.customer_id]:
                issues[e.customer_id].append(why)
    names = (
        dict(
            session.execute(
                select(Customer.id, Customer.name).where(
                    Customer.shop_id == shop.id, Customer.id.in_(list(issues))
                )
            ).all()
        )
        if issues
        else {}
    )
    out = [{"name": str(names.get(cid, cid)), "why": ", ".join(w)} for cid, w in issues.items()]
    for r in churn_risk_list(session=session, shop_id=shop.id, limit=ATTENTION_LIMIT):
        out.append(
            {"name": f"{r.name} ({r.external_id})", "why": f"big spender at risk: {r.reason}"}
        )
    return out[: ATTENTION_LIMIT * 2]


def _uplift_lines(uplift: dict[str, Any]) -> list[dict[str, str]]:
    lines = []
    for key, u in uplift.get("journeys", {}).items():
        c = u["conversion"]
        if c["difference"] is None:
            text = c["note"] or "no uplift figure"
        else:
            text = (
                f"conversion {c['enrolled_rate']:.1%} enrolled vs {c['holdout_rate']:.1%} "
                f"holdout: uplift {c['difference'] * 100:+.1f} points "
                f"(95% CI {c['ci_low'] * 100:+.1f} to {c['ci_high'] * 100:+.1f})"
            )
        lines.append({"key": key, "text": text})
    return lines


def _spend_text(spend: dict[str, Any]) -> str:
    band = f"{spend['band']['low']:.0%}-{spend['band']['high']:.0%}"
    if spend["share"] is None:
        return f"n/a ({spend['reason']}); band for {spend['business_model']}: {band} of revenue."
    return (
        f"{spend['share']:.1%} of revenue ({spend['status']}; band for "
        f"{spend['business_model']}: {band})."
    )


def review_body(*, session: Session, shop: Shop, month: str) -> str:
    """The monthly review as an HTML fragment (a <section>), for a file or a staff page."""
    start, end = month_period(shop, month)
    from zoneinfo import ZoneInfo

    idx = month_index(start, ZoneInfo(shop.timezone))
    previous = month_label(idx - 1)
    prev_start, prev_end = month_period(shop, previous)
    now = compute_kpis(session=session, shop=shop, start=start, end=end)
    before = compute_kpis(session=session, shop=shop, start=prev_start, end=prev_end)
    found = cohorts(session=session, shop=shop, end=end)
    revenue_months = [month_label(idx - k) for k in range(5, -1, -1)]
    revenue = sources.monthly_revenue(
        session, shop.id, [month_period(shop, m) for m in revenue_months]
    )
    missing = [v.label for v in now.kpis.values() if v.value is None]
    return BODY.render(
        shop=shop.name,
        month=month,
        previous=previous,
        kpis=_kpi_rows(now.kpis, before.kpis),
        notes=("No data this month for: " + ", ".join(missing) + ".") if missing else "",
        revenue_chart=bar_chart(revenue_months, revenue, title=f"Revenue ({shop.currency})"),
        cohort_chart=heatmap(
            [c.month for c in found], [c.retention for c in found], title="Retention (%)"
        )
        if found
        else "",
        complaints=_complaints(session, shop, start, end),
        attention=_attention(session, shop, start, end),
        funnel=now.details["message_funnel"],
        uplift=_uplift_lines(now.details["uplift"]),
        spend=_spend_text(now.details["after_sales_spend"]),
    )


def review_document(*, session: Session, shop: Shop, month: str) -> str:
    """A self-contained printable HTML file of the monthly review."""
    return document_from_body(shop, month, review_body(session=session, shop=shop, month=month))


def document_from_body(shop: Shop, month: str, body: str) -> str:
    """The printable file around a review body (from `review_body` or its snapshot)."""
    return DOCUMENT.format(title=escape(f"After-sales review {shop.name} {month}"), body=body)
