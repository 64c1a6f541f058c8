"""The monthly after-sales review the seeds describe (seeds/003, "Monthly After-Sales
Review"): KPIs against last month and targets, the retention cohort chart, the top 3
complaint types, customers who need attention and what each journey delivered.

`review_data` computes the figures in no language (the staff pages keep them as a snapshot);
`render_review` words them for one reader through the catalogue, with every number, amount,
percentage, duration and month in the reader's conventions (1.250.000 ₫, 69,2%, 1,5 giờ,
tháng 11/2026); `review_document` wraps the body into a self-contained printable file
(inline CSS and SVG, no scripts, no assets).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from html import escape
from typing import Any

from jinja2 import Environment, select_autoescape
from sqlalchemy.orm import Session

from careloop.core.catalogue import has_message, normalise_locale, t
from careloop.core.money import to_major
from careloop.journeys.step_labels import shop_journeys, step_days, step_label, step_title
from careloop.metrics import sources
from careloop.metrics.cohorts import cohorts, month_index, month_label
from careloop.metrics.definitions import MIN_CONVERSIONS, MIN_GROUP, KpiValue
from careloop.metrics.periods import month_period
from careloop.metrics.service import compute_kpis
from careloop.metrics.svg import bar_chart, heatmap
from careloop.shops.models import Shop
from careloop.web.ui.format import (
    format_hours,
    format_money_local,
    format_month_label,
    format_number,
    format_percent,
)

ATTENTION_LIMIT = 15

_env = Environment(autoescape=select_autoescape(default=True), trim_blocks=True)

# Every text through the catalogue (`_`), every figure already formatted for the reader.
BODY = _env.from_string(
    """<section class="review">
<h1>{{ _("review.heading", shop=shop, month=month) }}</h1>
<h2>{{ _("review.kpis") }}</h2>
<table class="kpis"><tr><th>{{ _("review.col.kpi") }}</th><th>{{ month }}</th>
<th>{{ _("review.col.interval") }}</th>
<th>{{ previous }}</th><th>{{ _("review.col.target") }}</th><th></th>
<th>{{ _("review.col.formula") }}</th></tr>
{% for row in kpis %}<tr data-kpi="{{ row.key }}"><td>{{ row.label }}</td>
<td class="{{ row.value_cls }}">{{ row.now }}</td>
<td class="{{ row.value_cls }}">{{ row.interval }}</td>
<td>{{ row.before }}</td><td>{{ row.target }}</td><td class="{{ row.cls }}">{{ row.status }}</td>
<td class="formula">{{ row.formula }}</td></tr>
{% endfor %}</table>
{% if notes %}<p class="note">{{ notes }}</p>{% endif %}
<div class="charts">{{ revenue_chart | safe }}</div>
<h2>{{ _("review.cohorts") }}</h2>
{% if cohort_chart %}<div class="charts">{{ cohort_chart | safe }}</div>
<p class="note">{{ _("review.cohorts_note") }}</p>
{% else %}<p>{{ _("review.no_cohorts") }}</p>{% endif %}
<h2>{{ _("review.complaints") }}</h2>
{% if complaints %}<ol class="complaints">
{% for name, n in complaints %}<li>{{ name }}: {{ n }}</li>{% endfor %}
</ol>
<p class="note">{{ _("review.complaints_note") }}</p>
{% else %}<p>{{ _("review.no_complaints") }}</p>{% endif %}
<h2>{{ _("review.attention") }}</h2>
{% if attention %}<table><tr><th>{{ _("review.col.customer") }}</th>
<th>{{ _("review.col.why") }}</th></tr>
{% for c in attention %}<tr><td>{{ c.name }}</td><td>{{ c.why }}</td></tr>{% endfor %}</table>
{% else %}<p>{{ _("review.no_attention") }}</p>{% endif %}
<h2>{{ _("review.journeys") }}</h2>
{% if funnel %}<table><tr><th>{{ _("review.col.journey") }}</th><th>{{ _("review.col.step") }}</th>
{% for stage in stages %}<th>{{ _("dash.stage." ~ stage) }}</th>{% endfor %}</tr>
{% for f in funnel %}<tr><td>{{ f.journey }}</td><td>{{ f.step }}</td>
{% for stage in stages %}<td>{{ f[stage] }}</td>{% endfor %}</tr>{% endfor %}</table>
{% else %}<p>{{ _("review.no_journeys") }}</p>{% endif %}
{% for j in uplift %}<p><b>{{ j.journey }}</b>: {{ j.text }}</p>{% endfor %}
<h2>{{ _("review.spend") }}</h2><p>{{ spend }}</p>
</section>"""
)

DOCUMENT = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
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

FUNNEL_STAGES = ("sent", "delivered", "opened", "clicked", "converted")
_STATUS_CLASS = {"met": "ok", "missed": "bad", "too_few": "few", "no_data": "few"}


def figure_text(value: float | None, unit: str, currency: str, locale: str) -> str:
    """A KPI figure in the reader's conventions: '69,2%', '1,5 giờ', '2.399.500 ₫'."""
    if value is None:
        return t("review.na", locale)
    if unit == "fraction":
        return format_percent(value, locale, digits=1)
    if unit == "money":
        return format_money_local(round(value), currency, locale)
    if unit == "hours":
        return format_hours(value, locale)
    return format_number(value, locale, digits=2 if unit == "per_buyer" else 1)


def _target_text(row: Mapping[str, Any], currency: str, locale: str) -> str:
    target = row["target"]
    if target is None:
        return ""
    unit = row["unit"]
    shown = (
        format_percent(target, locale, digits=0)
        if unit == "fraction"
        else figure_text(target, unit, currency, locale)
    )
    return t(f"review.target.{row['direction']}", locale, value=shown)


def _interval_text(row: Mapping[str, Any], currency: str, locale: str) -> str:
    """ "low to high (n = sample)" for a rate or score; just the sample when no interval."""
    if row["value"] is None or row["min_sample"] is None:
        return ""
    n = format_number(row["sample"], locale)
    if row["ci_low"] is None or row["ci_high"] is None:
        return t("kpi.sample", locale, n=n)
    return t(
        "review.interval",
        locale,
        low=figure_text(row["ci_low"], row["unit"], currency, locale),
        high=figure_text(row["ci_high"], row["unit"], currency, locale),
        n=n,
    )


def reason_text(reason: str | None, locale: str) -> str:
    """A KPI's stored English reason ("no NPS answers in the period") in the reader's words."""
    if not reason:
        return ""
    key = "kpi.reason." + "_".join(reason.lower().split())
    return t(key, locale) if has_message(key) else reason


def _status_text(row: Mapping[str, Any], locale: str) -> str:
    status = row["status"]
    if status in ("met", "missed"):
        return t(f"review.status.{status}.{row['direction']}", locale)
    if status == "too_few":
        return t(
            "review.status.too_few",
            locale,
            n=format_number(row["sample"], locale),
            min=format_number(row["min_sample"], locale),
        )
    if status == "no_data":
        return reason_text(row["reason"], locale)
    return ""


def kpi_label(key: str, fallback: str, locale: str) -> str:
    return t(f"kpi.{key}.label", locale) if has_message(f"kpi.{key}.label") else fallback


def _kpi_data(now: dict[str, KpiValue], before: dict[str, KpiValue]) -> list[dict[str, Any]]:
    """The KPI rows as figures in no language: the page words them for its reader."""
    rows = []
    for key, v in now.items():
        previous = before.get(key)
        rows.append(
            {
                "key": key,
                "label": v.label,
                "formula": v.formula,
                "value": v.value,
                "before": None if previous is None else previous.value,
                "unit": v.unit,
                "sample": v.sample,
                "min_sample": v.min_sample,
                "ci_low": v.ci_low,
                "ci_high": v.ci_high,
                "too_few": v.too_few_answers,
                "target": v.target,
                "direction": v.target_direction,
                "status": v.status,
                "reason": v.reason,
            }
        )
    return rows


def _kpi_rows(rows: list[dict[str, Any]], currency: str, locale: str) -> list[dict[str, str]]:
    out = []
    for row in rows:
        key = row["key"]
        definition = f"kpi.{key}.definition"
        out.append(
            {
                "key": key,
                "label": kpi_label(key, row["label"], locale),
                "now": figure_text(row["value"], row["unit"], currency, locale),
                "interval": _interval_text(row, currency, locale),
                "value_cls": "few" if row["too_few"] else "",
                "before": figure_text(row["before"], row["unit"], currency, locale),
                "target": _target_text(row, currency, locale),
                "status": _status_text(row, locale),
                "cls": _STATUS_CLASS.get(row["status"], ""),
                "formula": t(definition, locale) if has_message(definition) else row["formula"],
            }
        )
    return out


def _complaints(
    session: Session, shop: Shop, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Top 3 problem types of the month, classified exactly as the feedback themes
    classify tickets, reviews and comments (one call: the classifier is not copied)."""
    from careloop.feedback.insights import shop_themes

    found = [t for t in shop_themes(session, shop.id, start, end) if t.rule.polarity == "complaint"]
    return [
        {"key": t.rule.key, "label_en": t.rule.label_en, "label_vi": t.rule.label_vi, "n": t.count}
        for t in found[:3]
    ]


# Why a customer had an issue this month, by the timeline event that says so.
WHY_TICKET, WHY_NEGATIVE_REVIEW, WHY_DETRACTOR = "ticket", "negative_review", "detractor"


def _attention(
    session: Session, shop: Shop, start: datetime, end: datetime
) -> list[dict[str, Any]]:
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
            why = WHY_TICKET
        elif e.type == "review.posted" and (sources.number(e.payload, "rating") or 5) <= 2:
            why = WHY_NEGATIVE_REVIEW
        elif (
            e.type == "survey.answered"
            and e.payload.get("kind") == "nps"
            and (sources.number(e.payload, "score") or 10) <= 6
        ):
            why = WHY_DETRACTOR
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
    out: list[dict[str, Any]] = [
        {"name": str(names.get(cid, cid)), "why": w} for cid, w in issues.items()
    ]
    for r in churn_risk_list(session=session, shop_id=shop.id, limit=ATTENTION_LIMIT):
        out.append(
            {
                "name": f"{r.name} ({r.external_id})",
                "risk": {
                    "segment": r.segment,
                    "frequency": r.frequency,
                    "recency_days": r.recency_days,
                    "p_alive": r.p_alive,
                },
            }
        )
    return out[: ATTENTION_LIMIT * 2]


def _risk_text(risk: Mapping[str, Any], locale: str) -> str:
    """Why a big spender is at risk, as `segments.churn.risk_reason` says it, in words."""
    from careloop.segments.churn import LOW_P_ALIVE, RISK_SEGMENTS

    parts = []
    if risk["segment"] in RISK_SEGMENTS:
        parts.append(
            t(
                "review.risk.segment",
                locale,
                segment=t(f"segment.{risk['segment']}.label", locale),
                orders=format_number(risk["frequency"], locale),
                days=format_number(risk["recency_days"], locale),
            )
        )
    p_alive = risk["p_alive"]
    if p_alive is not None and p_alive < LOW_P_ALIVE:
        parts.append(t("review.risk.p_alive", locale, p=format_percent(p_alive, locale, 0)))
    return t("review.why.at_risk", locale, reason="; ".join(parts))


def _attention_rows(rows: list[dict[str, Any]], locale: str) -> list[dict[str, str]]:
    out = []
    for row in rows:
        if "risk" in row:
            why = _risk_text(row["risk"], locale)
        else:
            why = ", ".join(t(f"review.why.{code}", locale) for code in row["why"])
        out.append({"name": row["name"], "why": why})
    return out


def journey_name(key: str, locale: str) -> str:
    """A shipped journey's name in the reader's language; a shop's own journey by its key."""
    name = f"insights.journey.{key}"
    return t(name, locale) if has_message(name) else key


def _uplift_lines(uplift: Mapping[str, Any], locale: str) -> list[dict[str, str]]:
    lines = []
    for key, u in uplift.get("journeys", {}).items():
        c = u["conversion"]
        if c["difference"] is None:
            enrolled, holdout = int(c["enrolled"] or 0), int(c["holdout"] or 0)
            conversions = round(
                (c["enrolled_rate"] or 0) * enrolled + (c["holdout_rate"] or 0) * holdout
            )
            text = t(
                "review.uplift.too_few",
                locale,
                enrolled=format_number(enrolled, locale),
                holdout=format_number(holdout, locale),
                conversions=format_number(conversions, locale),
                group=format_number(MIN_GROUP, locale),
                needed=format_number(MIN_CONVERSIONS, locale),
            )
        else:
            text = t(
                "review.uplift.figure",
                locale,
                enrolled=format_percent(c["enrolled_rate"], locale),
                holdout=format_percent(c["holdout_rate"], locale),
                points=_points(c["difference"], locale),
                low=_points(c["ci_low"], locale),
                high=_points(c["ci_high"], locale),
            )
        lines.append({"journey": journey_name(key, locale), "text": text})
    return lines


def _points(fraction: float, locale: str) -> str:
    """A difference of rates in percentage points, signed: '+3,4'."""
    text = format_number(abs(fraction) * 100, locale, digits=1)
    return ("+" if fraction >= 0 else "−") + text


def _spend_text(spend: Mapping[str, Any], currency: str, locale: str) -> str:
    model = t(f"review.model.{spend['business_model']}", locale)
    band = t(
        "review.spend.band",
        locale,
        model=model,
        low=format_percent(spend["band"]["low"], locale, 0),
        high=format_percent(spend["band"]["high"], locale, 0),
    )
    if spend["share"] is None:
        reason = "no_revenue" if spend["revenue_minor"] <= 0 else "no_costs"
        return t(f"review.spend.{reason}", locale, band=band)
    status = {"below band": "below", "above band": "above"}.get(spend["status"], "in")
    return t(
        "review.spend.share",
        locale,
        share=format_percent(spend["share"], locale),
        spend=format_money_local(spend["spend_minor"], currency, locale),
        status=t(f"review.spend.status.{status}", locale),
        band=band,
    )


def review_data(*, session: Session, shop: Shop, month: str) -> dict[str, Any]:
    """The monthly review's figures as JSON-able data in no language (kept as a snapshot;
    `render_review` words them for each reader)."""
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
    return {
        "shop": shop.name,
        "currency": shop.currency,
        "month": month,
        "previous": previous,
        "kpis": _kpi_data(now.kpis, before.kpis),
        "revenue": {"months": revenue_months, "values": list(revenue)},
        "cohorts": {"months": [c.month for c in found], "retention": [c.retention for c in found]},
        "complaints": _complaints(session, shop, start, end),
        "attention": _attention(session, shop, start, end),
        "funnel": _funnel_with_days(session, shop, now.details["message_funnel"]),
        "uplift": now.details["uplift"],
        "spend": now.details["after_sales_spend"],
    }


def _funnel_with_days(
    session: Session, shop: Shop, funnel: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each funnel row of a journey the shop has with its step's day and title (vi, en) as
    the shop's version has them (rows of other journeys, and reviews kept from before, read
    the shipped day and name)."""
    steps, days = {}, {}
    for key, definition in shop_journeys(session, shop.id).items():
        steps[key] = {step.id: step for step in definition.steps}
        days[key] = step_days(definition)
    rows = []
    for row in funnel:
        key, step_id = row["journey_key"], row["step_key"]
        if key not in steps:
            rows.append(row)
            continue
        step = steps[key].get(step_id)
        titles = {lang: step_title(step, lang) for lang in ("vi", "en")} if step else {}
        rows.append({**row, "day": days[key].get(step_id), "titles": titles})
    return rows


def render_review(data: Mapping[str, Any], locale: str) -> str:
    """The monthly review as an HTML fragment (a <section>) in the reader's language and
    number conventions."""
    currency = data["currency"]
    kpis = _kpi_rows(data["kpis"], currency, locale)
    missing = [row["label"] for row in kpis if row["now"] == t("review.na", locale)]
    cohort_months = data["cohorts"]["months"]
    return BODY.render(
        _=lambda key, **params: t(key, locale, **params),
        shop=data["shop"],
        month=format_month_label(data["month"], locale),
        previous=format_month_label(data["previous"], locale),
        kpis=kpis,
        notes=t("review.no_data_for", locale, kpis=", ".join(missing)) if missing else "",
        revenue_chart=bar_chart(
            [format_month_label(m, locale) for m in data["revenue"]["months"]],
            data["revenue"]["values"],
            title=t("review.revenue_chart", locale, currency=currency),
            fmt=lambda v: format_number(to_major(round(v), currency), locale),
        ),
        cohort_chart=heatmap(
            [format_month_label(m, locale) for m in cohort_months],
            data["cohorts"]["retention"],
            title=t("dash.retention", locale),
            column_label=t("insights.cohort_axis", locale),
        )
        if cohort_months
        else "",
        complaints=[
            (c["label_vi"] if normalise_locale(locale) == "vi" else c["label_en"], c["n"])
            for c in data["complaints"]
        ],
        attention=_attention_rows(data["attention"], locale),
        stages=FUNNEL_STAGES,
        funnel=[
            {
                **f,
                "journey": journey_name(f["journey_key"], locale),
                "step": step_label(
                    f["journey_key"],
                    f["step_key"],
                    locale,
                    f.get("day", "shipped"),
                    (f.get("titles") or {}).get(normalise_locale(locale)),
                ),
            }
            for f in data["funnel"]
        ],
        uplift=_uplift_lines(data["uplift"], locale),
        spend=_spend_text(data["spend"], currency, locale),
    )


def review_body(*, session: Session, shop: Shop, month: str, locale: str = "en") -> str:
    """The monthly review as an HTML fragment (a <section>), for a file or a staff page."""
    return render_review(review_data(session=session, shop=shop, month=month), locale)


def review_document(*, session: Session, shop: Shop, month: str, locale: str = "en") -> str:
    """A self-contained printable HTML file of the monthly review."""
    body = review_body(session=session, shop=shop, month=month, locale=locale)
    return document_from_body(shop, month, body, locale)


def document_from_body(shop: Shop, month: str, body: str, locale: str = "en") -> str:
    """The printable file around a review body (from `render_review` or its snapshot)."""
    title = t(
        "review.document_title", locale, shop=shop.name, month=format_month_label(month, locale)
    )
    return DOCUMENT.format(lang=normalise_locale(locale), title=escape(title), body=body)
