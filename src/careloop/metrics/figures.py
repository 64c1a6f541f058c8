"""The figures kept as snapshots, by key: the overview dashboard, the journeys' funnel and
the monthly review. Each computes JSON-able data for one shop at one moment; pages apply
the viewer's language when they render it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from careloop.metrics.extras import message_funnel
from careloop.metrics.snapshots import Compute
from careloop.shops.models import Shop

OVERVIEW = "overview"
JOURNEYS_FUNNEL = "journeys.funnel"
FUNNEL_DAYS = 90
FEEDBACK_THEMES = "feedback.themes"
THEMES_DAYS = 365
THEME_EXAMPLES = 3


def review_key(month: str) -> str:
    return f"review:{month}"


def standard_keys(shop: Shop, now: datetime) -> list[str]:
    """The figures every shop's staff pages show first: the overview, the journeys' funnel,
    the review of the last complete month (the reports page's default) and the feedback
    themes."""
    from zoneinfo import ZoneInfo

    from careloop.metrics.cohorts import month_index, month_label

    last_month = month_label(month_index(now, ZoneInfo(shop.timezone)) - 1)
    return [OVERVIEW, JOURNEYS_FUNNEL, review_key(last_month), FEEDBACK_THEMES]


def overview(session: Session, shop: Shop, now: datetime, _param: str) -> dict[str, Any]:
    from careloop.web.ui.dashboard import overview_figures  # the page's own assembly

    return overview_figures(session, shop, now)


def journeys_funnel(session: Session, shop: Shop, now: datetime, _param: str) -> dict[str, Any]:
    """journey key -> step key -> {stage: count} over the last FUNNEL_DAYS."""
    rows = message_funnel(
        session=session, shop=shop, start=now - timedelta(days=FUNNEL_DAYS), end=now
    )
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        out.setdefault(row["journey_key"], {})[row["step_key"]] = row
    return {"journeys": out}


def review(session: Session, shop: Shop, _now: datetime, month: str) -> dict[str, Any]:
    from careloop.metrics.report import review_data

    return {"review": review_data(session=session, shop=shop, month=month)}


def feedback_themes(session: Session, shop: Shop, now: datetime, _param: str) -> dict[str, Any]:
    """The feedback themes of the last THEMES_DAYS, most frequent first, with a monthly
    trend and a few of the texts that matched (the page shows three)."""
    from careloop.feedback.insights import shop_themes

    themes = shop_themes(session, shop.id, now - timedelta(days=THEMES_DAYS), now)
    return {
        "themes": [
            {
                "key": theme.rule.key,
                "polarity": theme.rule.polarity,
                "label_en": theme.rule.label_en,
                "label_vi": theme.rule.label_vi,
                "count": theme.count,
                "by_month": theme.by_month(),
                "examples": [
                    {"phrase": phrase, "text": item.text[:120]}
                    for item, phrase in theme.matches[:THEME_EXAMPLES]
                ],
            }
            for theme in themes
        ]
    }


# Declared in metrics' manifest; bootstrap builds the one table of figure kinds from it.
FIGURES: dict[str, Compute] = {
    OVERVIEW: overview,
    JOURNEYS_FUNNEL: journeys_funnel,
    "review": review,
    FEEDBACK_THEMES: feedback_themes,
}
