"""The monthly review and the segments page of the demo shop speak the reader's language and
write every figure in the reader's conventions (issue 17 item 2), through Babel's CLDR data
(Babel docs, "Number Formatting": Vietnamese groups thousands with "." and writes decimals
with ","; English the other way round; the đồng sign after the amount in Vietnamese, before
it in English): money 1.250.000 ₫ / ₫1,250,000, percentages 69,2% / 69.2%, durations
1,5 giờ / 1.5 h, months "tháng 10/2026" / "October 2026", never an ISO month like 2026-10.

The expected strings are written out here by hand from the stored figures, not with the
formatters under test."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from careloop.context import AppContext
from careloop.metrics.figures import review_key
from careloop.metrics.snapshots import read_figures
from careloop.segments.care import SEGMENTS
from careloop.segments.clv_view import clv_overview
from careloop.segments.service import recompute_segments
from careloop.shops.models import Shop
from careloop.web.app import create_app
from careloop.web.i18n import has_message, t
from tests.web.helpers import sign_in
from tests.web.test_page_language import _Visible, demo_shop  # noqa: F401  (fixture)

MONTH = "2026-10"  # the demo's last complete month: the clock stands at 2 November 2026
ISO_MONTH = re.compile(r"\b20\d\d-(0[1-9]|1[0-2])\b")


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def vi_number(value: float, decimals: int) -> str:
    whole, _, fraction = f"{value:,.{decimals}f}".partition(".")
    return whole.replace(",", ".") + ("," + fraction if fraction else "")


def en_number(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def _pages(ctx: AppContext, shop: Shop, email: str, locale: str) -> dict[str, str]:
    with TestClient(create_app(ctx)) as client:
        sign_in(client, ctx, email, shop, locale=locale)
        return {
            path: visible_text(client.get(path).text)
            for path in (f"/reports?month={MONTH}", f"/reports/print?month={MONTH}", "/segments")
        }


def _review(ctx: AppContext, shop: Shop) -> dict[str, Any]:
    with ctx.sessions() as s:
        figures = read_figures(session=s, clock=ctx.clock, shop=shop, key=review_key(MONTH))
    return {row["key"]: row for row in figures.payload["review"]["kpis"]}


@pytest.fixture
def demo_with_segments(ctx: AppContext, demo_shop: Shop) -> Shop:  # noqa: F811
    with ctx.sessions() as s, s.begin():
        recompute_segments(session=s, clock=ctx.clock, shop=s.merge(demo_shop), with_clv=True)
    return demo_shop


@pytest.mark.parametrize(
    ("locale", "number", "month", "previous", "money", "hours"),
    [
        ("vi", vi_number, "tháng 10/2026", "tháng 9/2026", "{} ₫", "{} giờ"),
        ("en", en_number, "October 2026", "September 2026", "₫{}", "{} h"),
    ],
)
def test_the_demo_review_and_segments_read_in_the_readers_conventions(
    ctx: AppContext,
    demo_with_segments: Shop,
    make_staff: Callable[..., str],
    locale: str,
    number: Callable[[float, int], str],
    month: str,
    previous: str,
    money: str,
    hours: str,
) -> None:
    shop = demo_with_segments
    pages = _pages(ctx, shop, make_staff(shop, email=f"owner-{locale}@demo.test"), locale)
    kpis = _review(ctx, shop)
    review, printable, segments = pages.values()
    for text in (review, printable):
        assert f"· {month}" in text and previous in text
        csat = kpis["csat"]["value"]
        assert number(csat * 100, 1) + "%" in text  # 87,5% / 87.5%
        clv = kpis["clv_historical_mean"]["value"]
        assert money.format(number(round(clv), 0)) in text  # 2.399.500 ₫ / ₫2,399,500
        frt = kpis["frt_median_hours"]["value"]
        assert hours.format(number(frt, 1)) in text  # 0,9 giờ / 0.9 h
        assert t("review.attention", locale) in text
    assert ISO_MONTH.search(review) is None and ISO_MONTH.search(printable) is None
    with ctx.sessions() as s:
        historical = clv_overview(session=s, shop=shop).historical_mean_minor
    assert historical is not None
    assert money.format(number(round(historical), 0)) in segments
    assert t("segment.champions.action.1", locale) in segments
    assert t("insights.journey.golden_hours", locale) in segments
    assert ISO_MONTH.search(segments) is None


def test_the_vietnamese_review_has_no_english_figures_or_words_of_the_old_review(
    ctx: AppContext, demo_with_segments: Shop, make_staff: Callable[..., str]
) -> None:
    """The forms issue 17 found on these pages: '1.0 h', '69.2%', '81,554,000', '2026-11'."""
    shop = demo_with_segments
    pages = _pages(ctx, shop, make_staff(shop, email="owner-vi@demo.test"), "vi")
    for path, text in pages.items():
        assert re.search(r"\d\.\d h\b|\d\.\d%|\d,\d{3},\d{3}", text) is None, path
        for english in ("After-sales review", "opened a ticket", "at least", "n/a", "Seeds"):
            assert english not in text, (path, english)


def test_every_segment_action_and_source_is_in_the_catalogue_in_both_languages() -> None:
    """The English catalogue text is the segment map's own (careloop/segments/care.py)."""
    for key, segment in SEGMENTS.items():
        assert t(f"segment.{key}.source", "en") == segment.source
        assert has_message(f"segment.{key}.source", "vi")
        for i, action in enumerate(segment.actions, start=1):
            assert t(f"segment.{key}.action.{i}", "en") == action
            assert has_message(f"segment.{key}.action.{i}", "vi")
        for journey in segment.journeys:
            assert has_message(f"insights.journey.{journey}", "vi"), journey


@pytest.mark.parametrize(
    ("locale", "revenue", "month"),
    [("vi", "{} ₫", "tháng 10/2026"), ("en", "₫{}", "October 2026")],
)
def test_the_overview_writes_its_counts_and_chart_months_in_the_readers_conventions(
    ctx: AppContext,
    demo_shop: Shop,  # noqa: F811
    make_staff: Callable[..., str],
    locale: str,
    revenue: str,
    month: str,
) -> None:
    """The revenue count, the charts' months (Chart.js draws the labels it is given) and the
    cohort heatmap's rows and axis."""
    from careloop.web.ui.queries import shop_counts

    with ctx.sessions() as s:
        total = shop_counts(s, s.merge(demo_shop)).revenue_minor
    number = vi_number if locale == "vi" else en_number
    with TestClient(create_app(ctx)) as client:
        page = sign_in(
            client,
            ctx,
            make_staff(demo_shop, email=f"o-{locale}@demo.test"),
            demo_shop,
            locale=locale,
        )
    charts = re.findall(
        r'<script type="application/json" id="chart-[a-z]+">(.*?)</script>', page.text
    )
    assert charts and all(ISO_MONTH.search(chart) is None for chart in charts)
    assert json.dumps(month)[1:-1] in charts[0]  # the revenue chart's months
    text = visible_text(page.text)
    assert revenue.format(number(total, 0)) in text
    assert t("insights.cohort_axis", locale) in text and month in text
    assert ISO_MONTH.search(text) is None
