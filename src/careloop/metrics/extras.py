"""The message funnel per journey step, each journey's uplift over its holdout, and the
after-sales spend as a share of revenue against the band for the shop's business model."""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import Session

from careloop.customers.models import TimelineEvent
from careloop.metrics import sources
from careloop.metrics.definitions import SPEND_BANDS, conversion_uplift, mean_difference_ci
from careloop.shops.models import Shop

ATTRIBUTION_DAYS = 7  # DESIGN: converted = an order within 7 days after the click
UPLIFT_WINDOW_DAYS = 30  # an enrolled (or held-out) customer converts by ordering within this
FUNNEL_STAGES = ("sent", "delivered", "opened", "clicked")
# Counted beside the funnel so nobody reads a failed or stopped message as sent.
OUTCOME_STAGES = ("maybe_sent", "failed", "suppressed")
DAYS_PER_MONTH = 30.0


def _ordered_within(
    orders: list[tuple[datetime, int]], after: datetime, days: int
) -> list[tuple[datetime, int]]:
    i = bisect_left(orders, (after, -1))
    limit = after + timedelta(days=days)
    return [o for o in orders[i:] if o[0] <= limit]


def _payload_text(field: str) -> Any:
    """A payload field as text (SQLite's json_extract, PostgreSQL's ->>), '' when absent."""
    return func.coalesce(cast(TimelineEvent.payload[field].as_string(), String), "")


def message_funnel(
    *, session: Session, shop: Shop, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Per (journey, step): distinct messages sent, delivered, opened (human opens only),
    clicked, and converted (the customer ordered within 7 days after the click).

    The stage counts are grouped in SQL (a busy shop has over 100,000 message events in
    90 days); only the clicks, far fewer, come to Python to be matched with orders."""
    journey, step = _payload_text("journey_key"), _payload_text("step_key")
    message = TimelineEvent.payload["message_id"].as_string()
    machine = _payload_text("machine")
    in_period = (
        TimelineEvent.shop_id == shop.id,
        TimelineEvent.occurred_at >= start,
        TimelineEvent.occurred_at < end,
        journey != "",
    )
    # Privacy-proxy opens (machine: true) are not people reading.
    human = or_(TimelineEvent.type != "message.opened", machine.in_(("", "0", "false")))
    counted = session.execute(
        select(journey, step, TimelineEvent.type, func.count(func.distinct(message)))
        .where(
            *in_period,
            TimelineEvent.type.in_([f"message.{s}" for s in (*FUNNEL_STAGES, *OUTCOME_STAGES)]),
            human,
        )
        .group_by(journey, step, TimelineEvent.type)
    ).all()
    seen: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for j, st, type_, n in counted:
        seen[(str(j), str(st))][str(type_).split(".", 1)[1]] = int(n)
    clicks = _first_clicks(session, in_period, journey, step, message)
    # Only the clickers' orders: the shop's whole period is far too many rows.
    orders = sources.sales_of(
        session,
        shop.id,
        (cid for rows in clicks.values() for cid, _at in rows),
        start=start,
        end=end + timedelta(days=ATTRIBUTION_DAYS),
    )
    rows = []
    for (j, st), stages in sorted(seen.items()):
        converted = sum(
            1
            for cid, at in clicks[(j, st)]
            if _ordered_within(orders.get(cid, []), at, ATTRIBUTION_DAYS)
        )
        row: dict[str, Any] = {"journey_key": j, "step_key": st}
        row.update({s: stages.get(s, 0) for s in (*FUNNEL_STAGES, *OUTCOME_STAGES)})
        row["converted"] = converted
        rows.append(row)
    return rows


def _first_clicks(
    session: Session, in_period: tuple[Any, ...], journey: Any, step: Any, message: Any
) -> dict[tuple[str, str], list[tuple[int, datetime]]]:
    """(customer, when) of each message's first click, per (journey, step)."""
    found = session.execute(
        select(
            journey,
            step,
            message,
            TimelineEvent.customer_id,
            TimelineEvent.occurred_at,
            TimelineEvent.id,
        ).where(*in_period, TimelineEvent.type == "message.clicked")
    ).all()
    clicks: dict[tuple[str, str], list[tuple[int, datetime]]] = defaultdict(list)
    counted: set[tuple[tuple[str, str], Any]] = set()
    for j, st, msg, customer, at, _id in sorted(found, key=lambda r: (sources.aware(r[4]), r[5])):
        key = (str(j), str(st))
        if (key, msg) in counted:
            continue
        counted.add((key, msg))
        if customer is not None:
            clicks[key].append((int(customer), sources.aware(at)))
    return clicks


def _enrollments(
    session: Session, shop: Shop, start: datetime, end: datetime
) -> list[tuple[str, int, datetime, bool]] | None:
    """(journey key, customer, enrolled at, in holdout) of enrollments begun in the period;
    None when the journeys capability is not installed."""
    try:
        from careloop.journeys.models import JourneyEnrollment as E
    except ImportError:
        return None
    rows = session.execute(
        select(E.journey_key, E.customer_id, E.created_at, E.status).where(
            E.shop_id == shop.id, E.created_at >= start, E.created_at < end
        )
    ).all()
    return [(str(k), int(c), sources.aware(at), st == "holdout") for k, c, at, st in rows]


def uplift_by_journey(
    *, session: Session, shop: Shop, start: datetime, end: datetime
) -> dict[str, Any]:
    """Conversion (an order within 30 days of enrolling) and revenue per customer of
    enrolled vs held-out customers per journey, with 95% confidence intervals."""
    enrollments = _enrollments(session, shop, start, end)
    if enrollments is None:
        return {"note": "journeys are not installed: no holdout groups to compare", "journeys": {}}
    orders = sources.sales_of(
        session,
        shop.id,
        (customer for _j, customer, _at, _h in enrollments),
        start=start,
        end=end + timedelta(days=UPLIFT_WINDOW_DAYS),
    )
    groups: dict[str, dict[bool, list[int]]] = defaultdict(lambda: {True: [], False: []})
    for journey, customer, at, holdout in enrollments:
        bought = _ordered_within(orders.get(customer, []), at, UPLIFT_WINDOW_DAYS)
        groups[journey][holdout].append(sum(v for _, v in bought) if bought else -1)
    out: dict[str, Any] = {}
    for journey, g in sorted(groups.items()):
        enrolled, held = g[False], g[True]
        conv = conversion_uplift(
            len(enrolled),
            sum(1 for v in enrolled if v >= 0),
            len(held),
            sum(1 for v in held if v >= 0),
        )
        revenue = (
            mean_difference_ci([max(v, 0) for v in enrolled], [max(v, 0) for v in held])
            if conv.difference is not None
            else None
        )
        out[journey] = {
            "conversion": conv.as_dict(),
            "revenue_per_customer_minor": None
            if revenue is None
            else {
                "difference": round(revenue[0], 2),
                "ci_low": round(revenue[1], 2),
                "ci_high": round(revenue[2], 2),
            },
        }
    note = None if out else "no journey enrollments in the period"
    return {"window_days": UPLIFT_WINDOW_DAYS, "journeys": out, "note": note}


def after_sales_spend(
    *, session: Session, shop: Shop, start: datetime, end: datetime, revenue_minor: int
) -> dict[str, Any]:
    """After-sales spend (coupon discounts redeemed + the owner's recorded monthly costs for
    gifts, staff time and tools) as a share of revenue, against the seeds' budget band."""
    band = SPEND_BANDS.get(shop.business_model, SPEND_BANDS["retail"])
    coupons = sum(
        sources.number(e.payload, "discount_minor") or 0.0
        for e in sources.events(session, shop.id, ("coupon.redeemed",), start=start, end=end)
    )
    monthly = sources.number(shop.settings or {}, "after_sales_monthly_cost_minor") or 0.0
    months = (end - start).total_seconds() / 86_400 / DAYS_PER_MONTH
    spend = coupons + monthly * months
    out: dict[str, Any] = {
        "business_model": shop.business_model,
        "band": {"low": band[0], "high": band[1]},
        "spend_minor": round(spend),
        "coupon_discounts_minor": round(coupons),
        "recorded_costs_minor": round(monthly * months),
        "revenue_minor": revenue_minor,
        "share": None,
        "status": None,
        "reason": None,
    }
    if revenue_minor <= 0:
        out["reason"] = "no revenue in the period"
    elif spend <= 0:
        out["reason"] = (
            "no after-sales costs recorded (no coupon redemptions; set the shop setting "
            "after_sales_monthly_cost_minor for gifts, staff time and tools)"
        )
    else:
        s = spend / revenue_minor
        out["share"] = round(s, 4)
        out["status"] = "below band" if s < band[0] else "above band" if s > band[1] else "in band"
    return out
