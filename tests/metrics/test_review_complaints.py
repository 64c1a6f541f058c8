"""The monthly review's complaint breakdown is the feedback themes' classification of the
same month's tickets, reviews and comments (feedback/themes.py), not a count of a ticket
payload field."""

from __future__ import annotations

from datetime import datetime

from careloop.context import AppContext
from careloop.feedback.insights import shop_themes
from careloop.feedback.models import Review
from careloop.metrics.periods import month_period
from careloop.metrics.report import review_body
from careloop.shops.models import Shop

TEXTS = (
    (1, "Giao hàng chậm quá, chờ lâu"),
    (2, "The parcel was delayed a week"),
    (1, "Hàng bị vỡ khi nhận"),
    (2, "Arrived broken"),
    (1, "Cup was cracked and the box too"),
    (1, "Giao sai hàng rồi shop ơi"),
    (5, "Great coffee, fast delivery"),
)


def test_the_review_and_the_feedback_themes_count_the_same_complaints(
    ctx: AppContext, shop: Shop
) -> None:
    at = datetime.fromisoformat("2026-10-12T03:00+00:00")
    with ctx.sessions() as s, s.begin():
        for i, (rating, text) in enumerate(TEXTS):
            s.add(
                Review(
                    shop_id=shop.id,
                    review_id=f"r{i}",
                    platform="shopee",
                    rating=rating,
                    text=text,
                    posted_at=at,
                    created_at=at,
                )
            )
    start, end = month_period(shop, "2026-10")
    with ctx.sessions() as s:
        html = review_body(session=s, shop=shop, month="2026-10")
        themes = [t for t in shop_themes(s, shop.id, start, end) if t.rule.polarity == "complaint"]
    listed = html.split('<ol class="complaints">')[1].split("</ol>")[0]
    expected = [f"<li>{t.rule.label_en}: {t.count}</li>" for t in themes[:3]]
    assert listed.replace("\n", "") == "".join(expected)
    assert expected[0] == "<li>Damaged or defective product: 3</li>"
    assert "uncategorised" not in html
